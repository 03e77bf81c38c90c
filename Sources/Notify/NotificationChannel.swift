/// Somewhere notifications go: a webhook, a program, the log.
public protocol NotificationChannel: Sendable {
    /// Names the channel in logs and failures ("webhook ops.example.com", "command page-oncall", "log").
    var name: String { get }
    /// Delivers one notification; throws a ``NotifyError`` naming the channel's target when it could not.
    func send(_ notification: AlertNotification) async throws
}
