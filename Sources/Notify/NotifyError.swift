/// A notification that could not be delivered, or alert state that could not be kept. The description names
/// the target (URL without secrets, program, file) and never holds the notification's content.
public struct NotifyError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// A webhook answered with a status other than 2xx.
        public static let httpStatus = Code("http_status")
        /// A webhook could not be reached or did not answer in time.
        public static let unreachable = Code("unreachable")
        /// The alert program could not be started (missing, not executable).
        public static let launch = Code("launch")
        /// The alert program exited non-zero or was killed by a signal.
        public static let exitStatus = Code("exit_status")
        /// The alert program ran past its time limit and was killed.
        public static let timeout = Code("timeout")
        /// The alert book's file could not be read, parsed or written.
        public static let stateFile = Code("state_file")
        /// A channel's settings are unusable (a malformed URL).
        public static let configuration = Code("configuration")
    }

    public let code: Code
    /// The webhook URL (redacted), program path or file the error is about.
    public let target: String
    public let message: String
    /// The HTTP status or exit status, when there is one.
    public let status: Int?

    public init(_ code: Code, target: String, status: Int? = nil, _ message: String) {
        self.code = code
        self.target = target
        self.status = status
        self.message = message
    }

    public var description: String { "\(target): \(message)" }
}
