/// Whether a notification announces an alert (first time or a repeat) or its end.
public enum AlertState: String, Sendable, Codable, Equatable {
    case firing
    case resolved
}
