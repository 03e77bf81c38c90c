import Foundation

/// A failure of a backup location: what went wrong (`code`), at which location, where (host, path, bucket) and
/// for which key.
///
/// `description` is one line that is safe to log: it never contains access keys, secret keys or file contents.
public struct LocationError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is. Extensible: new codes are static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The location could not be reached: connection refused or timed out, host unknown, server hung.
        public static let unreachable = Code("unreachable")
        /// The object (or, for a listing, its directory) does not exist.
        public static let notFound = Code("not_found")
        /// Credentials were rejected or the operation is not permitted (file mode, bucket policy, read-only).
        public static let denied = Code("denied")
        /// The server's SSH host key does not match the known-hosts file, or no key is known for it.
        public static let hostKeyMismatch = Code("host_key_mismatch")
        /// The server answered something this client does not understand or did not expect.
        public static let protocolError = Code("protocol_error")
        /// The configuration cannot work: missing key file, relative path, a bucket that does not exist.
        public static let invalidConfiguration = Code("invalid_configuration")
        /// The key is not a relative path of plain segments (`..`, a leading `/`, control characters).
        public static let invalidKey = Code("invalid_key")
        /// The stored object differs from what was sent or announced (size or checksum).
        public static let integrity = Code("integrity")
        /// The location has no space left.
        public static let noSpace = Code("no_space")
        /// A local file (the upload source, the download target, or a posix location's file) failed.
        public static let io = Code("io")
        /// The operation did not finish within its deadline.
        public static let timeout = Code("timeout")
    }

    public var code: Code
    /// The location's configured name ("offsite").
    public var location: String
    /// `posix`, `sftp` or `s3`.
    public var kind: String
    /// The object key the operation was about, if any.
    public var key: String?
    /// The server: `user@host:port` for SFTP, the endpoint URL for S3; nil for posix.
    public var host: String?
    /// The directory: the posix root, the remote SFTP directory; nil for S3.
    public var path: String?
    /// The S3 bucket (and prefix, if any).
    public var bucket: String?
    /// What happened, in words; may quote the server's own message but never a secret.
    public var message: String
    public var underlying: (any Error)?

    public init(
        _ code: Code, location: String, kind: String, key: String? = nil, host: String? = nil,
        path: String? = nil, bucket: String? = nil, message: String, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.location = location
        self.kind = kind
        self.key = key
        self.host = host
        self.path = path
        self.bucket = bucket
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        var place: [String] = []
        if let host { place.append(host) }
        if let path { place.append(path) }
        if let bucket { place.append("bucket \(bucket)") }
        var text = "\(kind) location '\(location)'"
        if !place.isEmpty { text += " (\(place.joined(separator: ", ")))" }
        if let key { text += ", key '\(key)'" }
        return text + ": \(code.rawValue): \(message)"
    }

    public var debugDescription: String {
        var text = "LocationError(\(description)"
        if let underlying { text += ", underlying: \(String(reflecting: underlying))" }
        return text + ")"
    }
}
