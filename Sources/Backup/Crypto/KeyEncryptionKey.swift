@preconcurrency import Crypto
import Foundation

/// One key-encryption key (KEK) of a `KeyRing`: a 256-bit AES key that wraps the per-object data keys.
///
/// The key material is deliberately absent from `description`, `debugDescription` and reflection (`dump`), so
/// a key ring can be logged or printed in an error without leaking it.
public struct KeyEncryptionKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The stable name stored next to every data key it wraps, e.g. `k1-20261202`.
    public let id: String
    public let created: Date
    /// From this moment on the key no longer wraps new data keys; it still unwraps old ones.
    public let retireAfter: Date?
    let material: SymmetricKey

    /// The byte length of every key-encryption key.
    public static let byteCount = 32

    /// Wraps existing key material; `material` must be 256 bits.
    public init(id: String, created: Date, retireAfter: Date? = nil, material: SymmetricKey) throws {
        guard material.bitCount == Self.byteCount * 8 else {
            throw BackupCryptoError(
                .keyInvalid, "key \(id) is \(material.bitCount / 8) bytes, must be \(Self.byteCount)", keyID: id)
        }
        self.id = id
        self.created = created
        self.retireAfter = retireAfter
        self.material = material
    }

    /// A fresh key from the system's secure random generator.
    public static func generate(id: String, created: Date, retireAfter: Date? = nil) -> KeyEncryptionKey {
        // The size is right by construction, so the validating initializer cannot fail.
        try! KeyEncryptionKey(
            id: id, created: created, retireAfter: retireAfter, material: SymmetricKey(size: .bits256))
    }

    /// Whether the key has stopped wrapping new data keys at `now`.
    public func isRetired(at now: Date) -> Bool {
        guard let retireAfter else { return false }
        return now >= retireAfter
    }

    public var description: String {
        var text = "\(id) (created \(Self.iso8601(created))"
        if let retireAfter { text += ", retire after \(Self.iso8601(retireAfter))" }
        return text + ")"
    }

    public var debugDescription: String {
        "KeyEncryptionKey(id: \(id), created: \(Self.iso8601(created)), retireAfter: "
            + (retireAfter.map(Self.iso8601) ?? "nil") + ")"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["id": id, "created": created, "retireAfter": retireAfter as Any],
               displayStyle: .struct)
    }

    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}
