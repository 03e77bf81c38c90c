import Foundation

/// What channels receive: an alert, firing (first or repeated) or resolved.
///
/// Its JSON (`Codable`, and ``json()``) is the webhook body and the command's standard input:
/// ```json
/// {"alert": {"id": "backup.failed/local", "severity": "critical",
///            "summary": "full backup 20261202T0100Z failed: mariadb-backup exited 1",
///            "evidence": {"backup": "20261202T0100Z-full", "location": "local"}, "source": "backup"},
///  "state": "firing", "fired_at": "2026-12-02T01:00:00Z", "repeat": 0, "sent_at": "2026-12-02T01:00:00Z"}
/// ```
/// `severity` is `info`, `warning` or `critical`; `state` is `firing` or `resolved`. Times are ISO 8601 UTC,
/// with milliseconds when they have a fraction. `fired_at` is when the alert first fired; `repeat` is 0 on
/// the first notification and counts the repeats sent since (a `resolved` one carries the count reached);
/// `sent_at` is when this notification was made.
public struct AlertNotification: Sendable, Codable, Equatable {
    public var alert: Alert
    public var state: AlertState
    public var firedAt: Date
    public var repeatCount: Int
    public var sentAt: Date

    public init(alert: Alert, state: AlertState, firedAt: Date, repeatCount: Int, sentAt: Date) {
        self.alert = alert
        self.state = state
        self.firedAt = firedAt
        self.repeatCount = repeatCount
        self.sentAt = sentAt
    }

    enum CodingKeys: String, CodingKey {
        case alert, state
        case firedAt = "fired_at"
        case repeatCount = "repeat"
        case sentAt = "sent_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        alert = try container.decode(Alert.self, forKey: .alert)
        state = try container.decode(AlertState.self, forKey: .state)
        firedAt = try Timestamp.decode(container, .firedAt)
        repeatCount = try container.decode(Int.self, forKey: .repeatCount)
        sentAt = try Timestamp.decode(container, .sentAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(alert, forKey: .alert)
        try container.encode(state, forKey: .state)
        try container.encode(Timestamp.string(firedAt), forKey: .firedAt)
        try container.encode(repeatCount, forKey: .repeatCount)
        try container.encode(Timestamp.string(sentAt), forKey: .sentAt)
    }

    /// The JSON body channels send (keys sorted, so equal notifications give equal bytes).
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every member encodes as strings, numbers and maps, so encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
