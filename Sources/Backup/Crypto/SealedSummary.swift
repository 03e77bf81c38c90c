/// Sizes and digests of one sealed object, measured while it was encrypted or decrypted, so a manifest can
/// record them without reading the object again.
public struct SealedSummary: Sendable, Hashable, Codable {
    public var plainBytes: Int64
    public var cipherBytes: Int64
    /// Lower-case hex SHA-256 of the sealed bytes, as stored in a location.
    public var cipherSHA256: String
    /// Lower-case hex SHA-256 of the plaintext.
    public var plainSHA256: String

    public init(plainBytes: Int64, cipherBytes: Int64, cipherSHA256: String, plainSHA256: String) {
        self.plainBytes = plainBytes
        self.cipherBytes = cipherBytes
        self.cipherSHA256 = cipherSHA256
        self.plainSHA256 = plainSHA256
    }
}
