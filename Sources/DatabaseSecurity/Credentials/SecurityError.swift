import Foundation

/// A security operation that cannot go on: the one-line description names the account, file or server, and
/// never holds a secret.
public struct SecurityError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The secret file is missing, unreadable, readable by others, or names an account outside the set.
        public static let secretFile = Code("secret_file")
        /// An account of the set is missing, or the two do not have the same grants.
        public static let accounts = Code("accounts")
        /// The server refused or failed a statement.
        public static let server = Code("server")
        /// The old account kept sessions past the drain timeout.
        public static let drain = Code("drain")
        /// A certificate or key is missing, unreadable, expired, or does not match the configuration.
        public static let tls = Code("tls")
        /// Storage encryption: keys missing or refused, the plugin absent, encryption not finishing.
        public static let encryption = Code("encryption")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
