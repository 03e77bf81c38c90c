import AsyncHTTPClient
import AuditTrail
import DbctlConfig
import Foundation
import Notify
import Testing

@testable import DatabaseSecurity

/// The agent follows the audit files (each line read once, across rotations and lines still being written)
/// and keeps only the window and a summary of the past; at every pass its alerts are the ones a full read
/// of every file gives.
@Suite struct AuditFollowerTests {
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Date
        init(_ start: Date) { value = start }
        var now: Date { lock.withLock { value } }
        func set(_ date: Date) { lock.withLock { value = date } }
    }

    static let t0 = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60)

    static func line(
        _ offset: TimeInterval, _ user: String, _ host: String, _ operation: String, _ object: String = "",
        code: Int = 0
    ) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd HH:mm:ss"
        let time = formatter.string(from: t0.addingTimeInterval(offset))
        let quoted = object.isEmpty ? "" : "'" + object.replacingOccurrences(of: "'", with: "\\'") + "'"
        return "\(time),db1,\(user),\(host),\(Int(offset) + 5000),0,\(operation),shop,\(quoted),\(code)\n"
    }

    static func appLine(_ offset: TimeInterval, client: String, outcome: String) -> String {
        let at = AuditTime.format(t0.addingTimeInterval(offset))
        return #"{"seq":0,"at":"\#(at)","actor":"anonymous","action":"signin","object":"","outcome":"\#(outcome)","#
            + #""client":"\#(client)","request_id":"r\#(Int(offset))","prev":"","hash":""}"# + "\n"
    }

    static func append(_ text: String, to file: String) throws {
        if !FileManager.default.fileExists(atPath: file) { FileManager.default.createFile(atPath: file, contents: nil) }
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func theAgentsIncrementalReadGivesTheAlertsOfAFullRead() throws {
        let directory = NSTemporaryDirectory() + "storefront-follow-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/server_audit.log"
        let app = directory + "/shop-audit.log"
        let audit = AuditSection(serverLog: log, events: ["CONNECT", "QUERY"], appLogs: [app])
        let threats = ThreatsSection(window: 300, failedLogins: 5, serviceAccounts: ["shop_a"], admins: ["root"])
        var agent = AgentSection()
        agent.stateDirectory = directory + "/state"
        let configuration = DbctlConfiguration(
            file: "dbctl.yaml", agent: agent,
            security: SecuritySection(audit: audit, threats: threats))
        let clock = Clock(Self.t0)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? client.syncShutdown() }
        let service = try SecurityWatchService(configuration: configuration, httpClient: client, now: { clock.now })

        var history = ""
        for minute in 0..<10 {
            history += Self.line(TimeInterval(minute * 60 - 3600), "shop_a", "10.0.0.5", "CONNECT")
        }
        try Self.append(history, to: log + ".1")
        try Self.append(Self.line(-100, "shop_a", "10.0.0.5", "CONNECT"), to: log)
        try Self.append("", to: app)

        var passes: [Set<String>] = []
        func pass(at offset: TimeInterval) throws {
            clock.set(Self.t0.addingTimeInterval(offset))
            func keys(_ alerts: [Alert]) -> Set<String> { Set(alerts.map { "\($0.id) \($0.evidence["count"] ?? "")" }) }
            let incremental = keys(service.threatAlerts(audit, threats, clock.now))
            let stream = AuditSearch(section: audit).run(AuditSearch.Filter(), showValues: true)
            let full = keys(ThreatRules(section: threats).evaluate(stream.events, now: clock.now))
            #expect(incremental == full, "at +\(Int(offset)) s: the agent \(incremental.sorted()), a full read \(full)")
            passes.append(Set(incremental.map { String($0.split(separator: " ")[0]) }))
        }
        try pass(at: 0)
        // Wrong passwords, the last line only half written at the next pass.
        let failures = (0..<6).map { Self.line(10 + Double($0), "shop_a", "10.0.0.5", "FAILED_CONNECT", code: 1045) }
        try Self.append(failures[0..<3].joined() + String(failures[3].prefix(9)), to: log)
        try pass(at: 20)
        try Self.append(String(failures[3].dropFirst(9)) + failures[4], to: log)
        try pass(at: 30)
        // One more line, then server_audit rotates (path → path.1 → path.2) before the agent looks again.
        try Self.append(failures[5], to: log)
        try FileManager.default.moveItem(atPath: log + ".1", toPath: log + ".2")
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try Self.append(
            Self.line(40, "intruder", "10.0.0.9", "CONNECT")
                + Self.line(41, "shop_a", "10.0.0.5", "QUERY", "SELECT * FROM customers WHERE email = '' OR '1'='1'"),
            to: log)
        try Self.append(
            (0..<5).map { Self.appLine(42 + Double($0), client: "203.0.113.5", outcome: "failed: unknown email") }
                .joined(), to: app)
        try pass(at: 50)
        try pass(at: 400)

        #expect(!passes[1].contains("security.login.failures/shop_a@10.0.0.5"), "three complete lines: \(passes[1])")
        #expect(passes[2].contains("security.login.failures/shop_a@10.0.0.5"), "five: \(passes[2])")
        #expect(
            passes[3].isSuperset(of: [
                "security.login.failures/shop_a@10.0.0.5", "security.login.new/intruder@10.0.0.9",
                "security.injection/shop_a@10.0.0.5", "security.shop.credential_stuffing/203.0.113.5",
            ]), "\(passes[3])")
        #expect(passes[4].isEmpty, "out of the window: \(passes[4])")
    }

    @Test func aFollowedFileIsReadOnceAndAgainWhenItShrinks() throws {
        let directory = NSTemporaryDirectory() + "storefront-follow-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let app = directory + "/audit.log"
        try Self.append(Self.appLine(1, client: "a", outcome: "ok") + "not a record\n", to: app)
        var follower = AuditFollower(serverLog: directory + "/none.log", appLogs: [app])
        let first = follower.poll()
        #expect(first.events.map(\.host) == ["a"] && first.unreadable == [app + ":2"], "\(first.unreadable)")
        #expect(follower.poll().events.isEmpty, "nothing new")
        try Self.append(Self.appLine(2, client: "b", outcome: "ok"), to: app)
        let second = follower.poll()
        #expect(second.events.map(\.host) == ["b"] && second.events.first?.origin == app + ":3")
        try Data(Self.appLine(3, client: "c", outcome: "ok").utf8).write(to: URL(fileURLWithPath: app))
        #expect(follower.poll().events.map(\.host) == ["c"], "a shrunk file is read from its start")
    }
}
