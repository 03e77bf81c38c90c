import Crypto
import Foundation

/// One line of the application audit log: who did what to which object, from where, with what outcome, and
/// the chain that makes an edited, inserted or deleted line detectable.
public struct AuditRecord: Codable, Sendable, Equatable {
    public var seq: Int
    public var at: String
    /// `customer:ID`, `admin:NAME` (the key's name, never the key) or `anonymous`.
    public var actor: String
    public var action: String
    /// `customer:ID`, `cart:ID`, a route, … or empty.
    public var object: String
    /// `ok`, `denied`, `failed`, or an HTTP status.
    public var outcome: String
    public var client: String
    public var requestID: String
    /// The previous record's `hash` (64 zeros for the first).
    public var prev: String
    /// HMAC-SHA-256 (with the audit key) or SHA-256 (without) of `prev` and the record's other fields.
    public var hash: String

    enum CodingKeys: String, CodingKey {
        case seq, at, actor, action, object, outcome, client, prev, hash
        case requestID = "request_id"
    }

    public static let genesis = String(repeating: "0", count: 64)

    /// The bytes the hash covers: every field but `hash`, in a fixed order, separated by a byte that JSON
    /// strings cannot hold unescaped.
    public var signedBytes: Data {
        let fields = [String(seq), at, actor, action, object, outcome, client, requestID, prev]
        return Data(fields.joined(separator: "\u{1F}").utf8)
    }

    public func computedHash(key: SymmetricKey?) -> String {
        let bytes: [UInt8]
        if let key {
            bytes = Array(HMAC<SHA256>.authenticationCode(for: signedBytes, using: key))
        } else {
            bytes = Array(SHA256.hash(data: signedBytes))
        }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
