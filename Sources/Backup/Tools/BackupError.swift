/// A backup operation that failed or was refused: one line naming what and where (backup id, location,
/// object, server, file). Never holds a password or key.
public struct BackupError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public static let precondition = Code("precondition")
        public static let tool = Code("tool_failed")
        public static let privilege = Code("missing_privilege")
        public static let notFound = Code("not_found")
        public static let integrity = Code("integrity")
        public static let outOfWindow = Code("outside_recoverable_window")
        public static let location = Code("location")
        public static let invalidArgument = Code("invalid_argument")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
