import AsyncHTTPClient
import Foundation
import Notify
import Testing

@Suite struct WebhookChannelTests {
    static func fastChannel(_ url: String, attempts: Int = 3, timeout: TimeInterval = 5) -> WebhookChannel {
        WebhookChannel(url: url, timeout: timeout, attempts: attempts, retryDelay: 0.05)
    }

    @Test func postsTheDocumentedJSON() async throws {
        let notification = NotifyFixtures.notification()
        try await WebhookReceiver.with { receiver in
            try await Self.fastChannel(receiver.url).send(notification)
            let requests = receiver.requests
            try #require(requests.count == 1)
            #expect(requests[0].method == "POST")
            #expect(requests[0].uri == "/alerts")
            #expect(requests[0].headers["content-type"] == "application/json")
            let object = try #require(try JSONSerialization.jsonObject(with: requests[0].body) as? [String: Any])
            #expect(Set(object.keys) == ["alert", "state", "fired_at", "repeat", "sent_at"])
            #expect(object["state"] as? String == "firing")
            #expect(object["repeat"] as? Int == 2)
            #expect(object["fired_at"] as? String == "2026-12-02T01:00:00Z")
            #expect(object["sent_at"] as? String == "2026-12-02T09:00:00Z")
            let alert = try #require(object["alert"] as? [String: Any])
            #expect(Set(alert.keys) == ["id", "severity", "summary", "evidence", "source"])
            #expect(alert["id"] as? String == "backup.failed/local")
            #expect(alert["severity"] as? String == "critical")
            #expect(alert["source"] as? String == "backup")
            #expect((alert["evidence"] as? [String: String])?["location"] == "local")
            #expect(try JSONDecoder().decode(AlertNotification.self, from: requests[0].body) == notification)
        }
    }

    @Test func retriesAfterA500AndDeliversOnThe200() async throws {
        try await WebhookReceiver.with(statuses: [500, 200]) { receiver in
            try await Self.fastChannel(receiver.url).send(NotifyFixtures.notification())
            let requests = receiver.requests
            #expect(requests.count == 2)
            #expect(requests.map(\.body).allSatisfy { $0 == requests[0].body }, "the same body again")
        }
    }

    @Test func givesUpAfterTheLastAttemptNamingTheURLAndStatus() async throws {
        try await WebhookReceiver.with(statuses: [503, 502, 500, 200]) { receiver in
            let started = Date()
            do {
                try await Self.fastChannel(receiver.url).send(NotifyFixtures.notification())
                Issue.record("delivered despite three 5xx answers")
            } catch let error as NotifyError {
                #expect(error.code == .httpStatus)
                #expect(error.status == 500)
                #expect(error.description.hasPrefix("http://127.0.0.1:\(receiver.port)/alerts: POST answered 500"))
                #expect(error.description.contains("after 3 attempts"))
                #expect(error.description.contains("receiver says 500"))
            }
            #expect(receiver.requests.count == 3, "bounded: three attempts")
            #expect(Date().timeIntervalSince(started) >= 0.05 + 0.1, "backed off between attempts")
        }
    }

    @Test func aClientErrorIsNotRetried() async throws {
        try await WebhookReceiver.with(statuses: [404]) { receiver in
            await #expect(throws: NotifyError.self) {
                try await Self.fastChannel(receiver.url).send(NotifyFixtures.notification())
            }
            #expect(receiver.requests.count == 1)
        }
    }

    @Test func aTooManyRequestsAnswerIsRetried() async throws {
        try await WebhookReceiver.with(statuses: [429]) { receiver in
            try await Self.fastChannel(receiver.url).send(NotifyFixtures.notification())
            #expect(receiver.requests.count == 2)
        }
    }

    @Test func nobodyListeningIsUnreachableNamingTheURL() async throws {
        let port = try await WebhookReceiver.closedPort()
        do {
            try await Self.fastChannel("http://127.0.0.1:\(port)/hook", attempts: 2,
                timeout: 1).send(NotifyFixtures.notification())
            Issue.record("delivered to a closed port")
        } catch let error as NotifyError {
            #expect(error.code == .unreachable)
            #expect(error.description.hasPrefix("http://127.0.0.1:\(port)/hook: POST failed after 2 attempts"))
        }
    }

    @Test func aReceiverThatDoesNotAnswerInTimeFails() async throws {
        // The answer would come after 5 minutes; the bound leaves room for a machine whose threads are all busy.
        try await WebhookReceiver.with(delay: .seconds(300)) { receiver in
            let started = Date()
            do {
                try await Self.fastChannel(receiver.url, attempts: 1, timeout: 0.3).send(NotifyFixtures.notification())
                Issue.record("delivered although the answer came after the timeout")
            } catch let error as NotifyError {
                #expect(error.code == .unreachable)
                #expect(error.description.contains("no answer in time"))
            }
            #expect(Date().timeIntervalSince(started) < 60, "the receiver answers only after 300 s")
        }
    }

    @Test func errorsDoNotShowTokensFromTheURL() async throws {
        let channel = WebhookChannel(
            url: "https://user:pw@hooks.example.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx?token=s3cret")
        #expect(channel.displayURL == "https://hooks.example.com/services/T0001/B0002/…?…")
        #expect(channel.name == "webhook hooks.example.com")
        do {
            try await WebhookChannel(url: "ftp://example.com/x").send(NotifyFixtures.notification())
            Issue.record("sent to an ftp URL")
        } catch let error as NotifyError {
            #expect(error.code == .configuration)
        }
    }
}
