import Foundation
import Notify
import Testing

@Suite struct AlertNotificationTests {
    @Test func timesKeepMillisecondsWhenTheyHaveThem() throws {
        var notification = NotifyFixtures.notification()
        notification.sentAt = NotifyFixtures.start.addingTimeInterval(0.25)
        let text = String(decoding: notification.json(), as: UTF8.self)
        #expect(text.contains(#""sent_at":"2026-12-02T01:00:00.250Z""#))
        #expect(text.contains(#""fired_at":"2026-12-02T01:00:00Z""#))
        #expect(try JSONDecoder().decode(AlertNotification.self, from: notification.json()) == notification)
    }

    @Test func aBadTimeIsADecodingError() {
        let json = #"{"alert":{"id":"a","severity":"info","summary":"s","evidence":{},"source":"backup"},"#
            + #""state":"firing","fired_at":"yesterday","repeat":0,"sent_at":"2026-12-02T01:00:00Z"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AlertNotification.self, from: Data(json.utf8)) }
    }

    @Test func severitiesAreOrdered() {
        #expect(Alert.Severity.info < .warning && Alert.Severity.warning < .critical)
    }
}
