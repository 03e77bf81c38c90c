import FluentKit
import Foundation

/// The one place personal data of a customer or an address is read and written, always through the shop's
/// ``PIICodec``: the stored columns hold sealed values once `PII_KEY_FILE` is set.
extension Customer {
    public func email(_ pii: PIICodec) throws -> String { try pii.open(emailStorage, .customerEmail, row: requireID()) }
    public func name(_ pii: PIICodec) throws -> String { try pii.open(nameStorage, .customerName, row: requireID()) }
    public func phone(_ pii: PIICodec) throws -> String? {
        try pii.open(phoneStorage, .customerPhone, row: requireID())
    }

    /// Inserts a customer: the row first (with its blind index, so a duplicate email fails there), then its
    /// sealed fields, which need the row id; in one transaction, so no half-written row is ever visible.
    public static func create(
        email: String, name: String, phone: String?, passwordHash: String?, pii: PIICodec,
        on db: any Database
    ) async throws -> Customer {
        try await db.transaction { tx in
            let customer = Customer()
            customer.emailIndex = pii.emailIndex(normalizedEmail(email))
            customer.emailStorage = ""
            customer.nameStorage = ""
            customer.passwordHash = passwordHash
            try await customer.create(on: tx)
            let id = try customer.requireID()
            customer.emailStorage = try pii.seal(normalizedEmail(email), .customerEmail, row: id)
            customer.nameStorage = try pii.seal(name, .customerName, row: id)
            customer.phoneStorage = try pii.seal(phone, .customerPhone, row: id)
            try await customer.update(on: tx)
            return customer
        }
    }

    /// The customer with this email, by its blind index under any key version.
    public static func find(email: String, pii: PIICodec, on db: any Database) async throws -> Customer? {
        try await Customer.query(on: db).filter(\.$emailIndex ~~ pii.emailIndexes(normalizedEmail(email))).first()
    }

    public static func normalizedEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}

extension Address {
    public func line1(_ pii: PIICodec) throws -> String { try pii.open(line1Storage, .addressLine1, row: requireID()) }
    public func line2(_ pii: PIICodec) throws -> String? {
        try pii.open(line2Storage, .addressLine2, row: requireID())
    }
    public func city(_ pii: PIICodec) throws -> String { try pii.open(cityStorage, .addressCity, row: requireID()) }
    public func postalCode(_ pii: PIICodec) throws -> String {
        try pii.open(postalCodeStorage, .addressPostalCode, row: requireID())
    }

    /// Inserts an address, then seals its lines with its id, in one transaction.
    public static func create(
        customerID: Int, line1: String, line2: String?, city: String, postalCode: String,
        country: String, pii: PIICodec, on db: any Database
    ) async throws -> Address {
        try await db.transaction { tx in
            let address = Address()
            address.$customer.id = customerID
            address.line1Storage = ""
            address.cityStorage = ""
            address.postalCodeStorage = ""
            address.country = country
            try await address.create(on: tx)
            let id = try address.requireID()
            address.line1Storage = try pii.seal(line1, .addressLine1, row: id)
            address.line2Storage = try pii.seal(line2, .addressLine2, row: id)
            address.cityStorage = try pii.seal(city, .addressCity, row: id)
            address.postalCodeStorage = try pii.seal(postalCode, .addressPostalCode, row: id)
            try await address.update(on: tx)
            return address
        }
    }
}
