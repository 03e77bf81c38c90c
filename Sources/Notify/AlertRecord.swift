import Foundation

/// What the alert book remembers of one active alert.
public struct AlertRecord: Sendable, Codable, Equatable {
    /// The alert as last raised.
    public var alert: Alert
    /// When it first fired.
    public var firedAt: Date
    /// When its last notification (first or repeat) was made.
    public var lastSentAt: Date
    /// Repeats sent since the first notification.
    public var repeatCount: Int

    public init(alert: Alert, firedAt: Date, lastSentAt: Date, repeatCount: Int) {
        self.alert = alert
        self.firedAt = firedAt
        self.lastSentAt = lastSentAt
        self.repeatCount = repeatCount
    }

    func notification(_ state: AlertState, sentAt: Date) -> AlertNotification {
        AlertNotification(alert: alert, state: state, firedAt: firedAt, repeatCount: repeatCount, sentAt: sentAt)
    }

    enum CodingKeys: String, CodingKey {
        case alert
        case firedAt = "fired_at"
        case lastSentAt = "last_sent_at"
        case repeatCount = "repeat"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        alert = try container.decode(Alert.self, forKey: .alert)
        firedAt = try Timestamp.decode(container, .firedAt)
        lastSentAt = try Timestamp.decode(container, .lastSentAt)
        repeatCount = try container.decode(Int.self, forKey: .repeatCount)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(alert, forKey: .alert)
        try container.encode(Timestamp.string(firedAt), forKey: .firedAt)
        try container.encode(Timestamp.string(lastSentAt), forKey: .lastSentAt)
        try container.encode(repeatCount, forKey: .repeatCount)
    }
}
