import FluentKit
import Foundation

/// A shopper. Name, email and phone are personal data: they are read and written only through
/// `CustomerPII` (Privacy/), sealed by the shop's `PIICodec`.
public final class Customer: Model, @unchecked Sendable {
    public static let schema = "customers"
    @ID(custom: .id) public var id: Int?
    @Field(key: "email") var emailStorage: String
    @Field(key: "name") var nameStorage: String
    @OptionalField(key: "phone") var phoneStorage: String?
    /// bcrypt; `nil` for a customer who has no password yet (created before accounts existed).
    @OptionalField(key: "password_hash") public var passwordHash: String?
    /// Blind index of the normalised email (HMAC-SHA-256, hex): lookups and uniqueness without the email.
    @OptionalField(key: "email_index") var emailIndex: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Children(for: \.$customer) public var addresses: [Address]

    public init() {}
}

public final class Address: Model, @unchecked Sendable {
    public static let schema = "addresses"
    @ID(custom: .id) public var id: Int?
    @Parent(key: "customer_id") public var customer: Customer
    @Field(key: "line1") var line1Storage: String
    @OptionalField(key: "line2") var line2Storage: String?
    @Field(key: "city") var cityStorage: String
    @Field(key: "postal_code") var postalCodeStorage: String
    @Field(key: "country") public var country: String

    public init() {}
}
