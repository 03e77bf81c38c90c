/// A configuration file that cannot be used: names the file and the key (`backup.locations[1].bucket`).
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public static let unreadable = Code("unreadable")
        public static let syntax = Code("syntax")
        public static let unknownKey = Code("unknown_key")
        public static let missingKey = Code("missing_key")
        public static let invalidValue = Code("invalid_value")
        public static let secretFile = Code("secret_file")
    }

    public let code: Code
    public let file: String
    /// The dotted key the problem is at; empty for the file as a whole.
    public let key: String
    public let message: String

    public init(_ code: Code, file: String, key: String, _ message: String) {
        self.code = code
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)"
    }
}
