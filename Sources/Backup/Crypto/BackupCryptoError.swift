/// An error from backup encryption: the key file, an envelope (wrapped data key) or a sealed object.
///
/// `description` is one line that names the file, key id, object identity and chunk or byte offset involved.
/// It never contains key material: keys only ever come from the key file and are never echoed.
public struct BackupCryptoError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: new codes are static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The key file does not exist.
        public static let keyFileMissing = Code("key_file_missing")
        /// The key file path names a directory, device, socket or other non-regular file.
        public static let keyFileNotRegular = Code("key_file_not_regular")
        /// The key file is readable or writable by group or others.
        public static let keyFilePermissions = Code("key_file_permissions")
        /// The key file is not valid JSON or does not have the expected structure.
        public static let keyFileMalformed = Code("key_file_malformed")
        /// A key in the key file is not 32 bytes of base64.
        public static let keyInvalid = Code("key_invalid")
        /// Two keys in the key file share an id.
        public static let duplicateKeyID = Code("duplicate_key_id")
        /// A new key file was requested where a file already exists.
        public static let keyFileExists = Code("key_file_exists")
        /// Reading or writing the key file failed at the operating-system level.
        public static let keyFileIO = Code("key_file_io")
        /// A wrapped data key names a key id that the key ring does not hold.
        public static let unknownKeyID = Code("unknown_key_id")
        /// A wrapped data key did not authenticate: wrong object identity or tampered.
        public static let unwrapFailed = Code("unwrap_failed")
        /// The object does not start with the sealed-object magic, or its envelope header is unreadable.
        public static let badMagic = Code("bad_magic")
        /// A sealed blob's envelope (the length-prefixed wrapped data key before the stream) is malformed.
        public static let badEnvelope = Code("bad_envelope")
        /// The object's format version or algorithm is not one this code reads.
        public static let unsupportedVersion = Code("unsupported_version")
        /// The header MAC does not verify: wrong data key, wrong object identity or a tampered header.
        public static let headerAuthenticationFailed = Code("header_authentication_failed")
        /// The header is authentic but carries a chunk size outside the accepted range.
        public static let badChunkSize = Code("bad_chunk_size")
        /// A chunk failed authentication: tampered, swapped, reordered, duplicated or cut short.
        public static let chunkAuthenticationFailed = Code("chunk_authentication_failed")
        /// Bytes follow the final chunk.
        public static let trailingData = Code("trailing_data")
        /// The input ended before the final chunk.
        public static let truncated = Code("truncated")
        /// Reading the input or writing the output of an encryption or decryption failed.
        public static let io = Code("io")
    }

    public var code: Code
    /// The one-line, secret-free explanation; `description` is this text.
    public var message: String
    /// The key file involved, when there is one.
    public var path: String?
    /// The key id involved, when there is one.
    public var keyID: String?
    /// The identity of the object being sealed or opened, when there is one.
    public var identity: String?
    /// The zero-based chunk index of a failing chunk.
    public var chunkIndex: UInt64?
    /// The offset in the sealed byte stream where the failure was found.
    public var byteOffset: Int64?

    public init(
        _ code: Code, _ message: String, path: String? = nil, keyID: String? = nil, identity: String? = nil,
        chunkIndex: UInt64? = nil, byteOffset: Int64? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.keyID = keyID
        self.identity = identity
        self.chunkIndex = chunkIndex
        self.byteOffset = byteOffset
    }

    public var description: String { message }
}
