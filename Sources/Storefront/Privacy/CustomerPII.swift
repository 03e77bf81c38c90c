import Foundation

/// The one place personal data of a customer is read and written. Today values are stored as given
/// (email normalised to lower case for the unique key); field encryption plugs in here without callers
/// changing: they only ever use `email`, `name`, `phone`.
extension Customer {
    public var email: String {
        get { PIICodec.current.reveal(emailStorage) }
        set { emailStorage = PIICodec.current.protect(Self.normalizedEmail(newValue)) }
    }

    public var name: String {
        get { PIICodec.current.reveal(nameStorage) }
        set { nameStorage = PIICodec.current.protect(newValue) }
    }

    public var phone: String? {
        get { phoneStorage.map(PIICodec.current.reveal) }
        set { phoneStorage = newValue.map(PIICodec.current.protect) }
    }

    public convenience init(email: String, name: String, phone: String?) {
        self.init()
        self.email = email
        self.name = name
        self.phone = phone
    }

    /// The stored form of an email, for equality lookups (`WHERE email = ?`).
    public static func storedEmail(_ email: String) -> String {
        PIICodec.current.protect(normalizedEmail(email))
    }

    public static func normalizedEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}

/// How PII fields are stored. `identity` keeps plain values; an encrypting codec replaces it later.
public struct PIICodec: Sendable {
    public var protect: @Sendable (String) -> String
    public var reveal: @Sendable (String) -> String
    public static let identity = PIICodec(protect: { $0 }, reveal: { $0 })
    public static let current = identity
}
