import Foundation

/// A per-object data key sealed under a key-encryption key: what a manifest or sealed blob stores instead of
/// the data key itself.
///
/// `sealed` is the AES-256-GCM combined box (12-byte nonce, 32-byte ciphertext, 16-byte tag) of the data key,
/// with associated data `"dbctl-backup-key-v1|" + keyID + "|" + identity`, so a wrapped key only opens for the
/// object it was made for. In JSON: `{"keyID": "k1-20261202", "sealed": "<base64>"}`.
public struct WrappedKey: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The id of the key-encryption key that sealed the data key.
    public let keyID: String
    /// Nonce, encrypted data key and tag.
    public let sealed: Data

    public init(keyID: String, sealed: Data) {
        self.keyID = keyID
        self.sealed = sealed
    }

    enum CodingKeys: String, CodingKey {
        case keyID
        case sealed
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        keyID = try container.decode(String.self, forKey: .keyID)
        let text = try container.decode(String.self, forKey: .sealed)
        // Decoded by hand so the format is base64 whatever the decoder's data strategy is.
        guard let bytes = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .sealed, in: container, debugDescription: "sealed is not valid base64")
        }
        sealed = bytes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keyID, forKey: .keyID)
        try container.encode(sealed.base64EncodedString(), forKey: .sealed)
    }

    public var description: String { "data key wrapped by \(keyID)" }

    static func associatedData(keyID: String, identity: String) -> Data {
        Data("dbctl-backup-key-v1|\(keyID)|\(identity)".utf8)
    }
}
