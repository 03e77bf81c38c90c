import Logging

/// Writes one log line per notification: `firing backup.failed/local: full backup … failed` at the level of
/// the alert's severity (info, warning, critical; a resolved alert at notice), with the evidence and the
/// alert's identity as metadata (`alert_id`, `alert_state`, `alert_source`, `alert_repeat`, `fired_at`).
public struct LogChannel: NotificationChannel {
    public let name = "log"
    public let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func send(_ notification: AlertNotification) async throws {
        let alert = notification.alert
        var metadata = Logger.Metadata()
        for (key, value) in alert.evidence { metadata[key] = .string(value) }
        metadata["alert_id"] = .string(alert.id)
        metadata["alert_state"] = .string(notification.state.rawValue)
        metadata["alert_source"] = .string(alert.source)
        metadata["alert_repeat"] = .string(String(notification.repeatCount))
        metadata["fired_at"] = .string(Timestamp.string(notification.firedAt))
        logger.log(
            level: Self.level(notification), "\(notification.state.rawValue) \(alert.id): \(alert.summary)",
            metadata: metadata)
    }

    static func level(_ notification: AlertNotification) -> Logger.Level {
        guard notification.state == .firing else { return .notice }
        switch notification.alert.severity {
        case .info: return .info
        case .warning: return .warning
        case .critical: return .critical
        }
    }
}
