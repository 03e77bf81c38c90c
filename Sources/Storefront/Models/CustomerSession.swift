import FluentKit
import Foundation

/// A signed-in customer's bearer token. Only the token's SHA-256 is stored, so a copy of the database (a
/// backup, a replica, a dump) holds no token anyone could use.
public final class CustomerSession: Model, @unchecked Sendable {
    public static let schema = "customer_sessions"
    @ID(custom: .id) public var id: Int?
    @Parent(key: "customer_id") public var customer: Customer
    /// Lower-case hex SHA-256 of the token.
    @Field(key: "token_hash") public var tokenHash: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Field(key: "expires_at") public var expiresAt: Date

    public init() {}
    public init(customerID: Int, tokenHash: String, expiresAt: Date) {
        self.$customer.id = customerID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
    }
}
