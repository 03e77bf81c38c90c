import AuditTrail
import DbctlConfig
import Foundation
import Notify

/// The threat rules over the audit stream (the server's events here, the shop's in `ShopSignInRules`): each an
/// alert with its evidence (account, host, count, window, sample statements with values masked). Pure: events
/// in, alerts out; the window is the last `section.window` before `now`, and what came before it is the history
/// "never seen before" is judged by.
public struct ThreatRules: Sendable {
    public let section: ThreatsSection

    public init(section: ThreatsSection) { self.section = section }

    static let privilegeStatements = [
        "GRANT", "REVOKE", "CREATE USER", "ALTER USER", "DROP USER", "RENAME USER", "SET PASSWORD", "CREATE ROLE",
        "DROP ROLE", "SET DEFAULT ROLE",
    ]
    static let ddlStatements = [
        "CREATE TABLE", "ALTER TABLE", "DROP TABLE", "TRUNCATE", "RENAME TABLE", "CREATE INDEX", "DROP INDEX",
        "CREATE DATABASE", "DROP DATABASE", "CREATE OR REPLACE TABLE", "CREATE VIEW", "DROP VIEW", "CREATE TRIGGER",
        "DROP TRIGGER",
    ]
    static let grantTables = [
        "user", "global_priv", "db", "tables_priv", "columns_priv", "procs_priv", "proxies_priv", "roles_mapping",
    ]

    public func evaluate(_ stream: [AuditEvent], now: Date) -> [Alert] {
        let start = now.addingTimeInterval(-section.window)
        var history = ThreatHistory()
        for event in stream where event.time <= start { history.add(event) }
        return evaluate(recent: stream.filter { $0.time > start && $0.time <= now }, history: history, now: now)
    }

    /// The rules over the window's events (`recent`, both sources) with what came before summarised, as the
    /// agent keeps it between polls.
    public func evaluate(recent window: [AuditEvent], history: ThreatHistory, now: Date) -> [Alert] {
        let recent = window.filter { $0.source == .server }
        var alerts = loginAlerts(recent, history: history)
        for event in recent where event.event == "QUERY" {
            let masked = AuditSearch.maskLiterals(event.object)
            alerts += statementAlerts(event, masked: masked)
        }
        alerts += grantTableReads(recent)
        alerts += injectionAlerts(recent)
        alerts += ShopSignInRules(rules: self).evaluate(window.filter { $0.source == .app })
        return alerts
    }

    var windowText: String { "\(Int(section.window)) s" }

    func loginAlerts(_ recent: [AuditEvent], history: ThreatHistory) -> [Alert] {
        var alerts: [Alert] = []
        let failed = Dictionary(grouping: recent.filter { $0.event == "FAILED_CONNECT" }, by: \.account)
        for (account, events) in failed.sorted(by: { $0.key < $1.key }) {
            if let blocked = events.first(where: { $0.outcome == "4150" }) {
                alerts.append(
                    alert(
                        "security.login.blocked/\(account)", .critical,
                        "\(account) is blocked after too many wrong passwords (max_password_errors); FLUSH PRIVILEGES "
                            + "unblocks once the cause is found", evidence(blocked, ["failures": "\(events.count)"])))
            }
            guard events.count >= section.failedLogins else { continue }
            alerts.append(
                alert(
                    "security.login.failures/\(account)", .warning,
                    "\(events.count) failed logins for \(account) in \(windowText) (threshold \(section.failedLogins))",
                    evidence(
                        events[0],
                        [
                            "count": "\(events.count)",
                            "codes": Set(events.map(\.outcome)).sorted()
                                .joined(separator: ","),
                        ])))
        }
        // One host trying many accounts: password spraying.
        let byHost = Dictionary(grouping: recent.filter { $0.event == "FAILED_CONNECT" }, by: \.host)
        for (host, events) in byHost.sorted(by: { $0.key < $1.key }) {
            let users = Set(events.map(\.user))
            guard users.count >= section.failedLogins else { continue }
            alerts.append(
                alert(
                    "security.login.spray/\(host)", .critical,
                    "\(host) failed to log in as \(users.count) different accounts in \(windowText)",
                    evidence(events[0], ["accounts": users.sorted().prefix(10).joined(separator: ",")])))
        }
        let logins = recent.filter { $0.event == "CONNECT" && $0.outcome == "0" }
        // "Never seen" needs a history: on a log younger than the window every login would be new.
        if let oldest = history.oldest, oldest < recent.first?.time ?? .distantFuture {
            for login in Dictionary(grouping: logins, by: \.account).values.compactMap(\.first)
            where !history.accounts.contains(login.account) {
                let what =
                    history.users.contains(login.user) ? "from a host never seen before" : "never seen before"
                alerts.append(
                    alert(
                        "security.login.new/\(login.account)", .warning,
                        "\(login.account) logged in, \(what)", evidence(login, [:])))
            }
        }
        if !section.serviceHosts.isEmpty {
            for login in logins
            where section.serviceAccounts.contains(login.user)
                && !section.serviceHosts.contains(login.host)
            {
                alerts.append(
                    alert(
                        "security.service_account.elsewhere/\(login.account)", .critical,
                        "service account \(login.user) logged in from \(login.host), not one of the shop's hosts "
                            + "(\(section.serviceHosts.joined(separator: ", "))): a person using the shop's account?",
                        evidence(login, [:])))
            }
        }
        return alerts
    }

    func statementAlerts(_ event: AuditEvent, masked: String) -> [Alert] {
        let head = masked.trimmingCharacters(in: .whitespaces).uppercased()
        let id = "\(event.account)/\(event.session)-\(Int(event.time.timeIntervalSince1970))"
        let done = event.outcome == "0" ? "ran" : "tried (error \(event.outcome))"
        if Self.privilegeStatements.contains(where: { head.hasPrefix($0 + " ") }) {
            let admin = section.admins.contains(event.user)
            return [
                alert(
                    "security.privileges/\(id)", admin ? .warning : .critical,
                    "\(event.account) \(done) a privilege or account change: \(String(masked.prefix(200)))",
                    evidence(event, ["statement": String(masked.prefix(500))]))
            ]
        }
        if !section.maintenance.isEmpty, Self.ddlStatements.contains(where: { head.hasPrefix($0 + " ") }),
            !inMaintenance(event.time)
        {
            return [
                alert(
                    "security.ddl.outside_window/\(id)", .warning,
                    "\(event.account) \(done) DDL outside the maintenance windows: \(String(masked.prefix(200)))",
                    evidence(event, ["statement": String(masked.prefix(500))]))
            ]
        }
        return []
    }

    /// Reads or statements on the grant tables by anyone but the administrators.
    func grantTableReads(_ recent: [AuditEvent]) -> [Alert] {
        let touching = recent.filter { event in
            guard !section.admins.contains(event.user) else { return false }
            if ["READ", "WRITE"].contains(event.event) {
                return event.database == "mysql" && Self.grantTables.contains(event.object)
            }
            guard event.event == "QUERY" else { return false }
            let text = AuditSearch.maskLiterals(event.object).lowercased().replacingOccurrences(of: "`", with: "")
            return Self.grantTables.contains { text.contains("mysql.\($0)") }
        }
        return Dictionary(grouping: touching, by: \.account).sorted { $0.key < $1.key }.map { account, events in
            alert(
                "security.grant_tables/\(account)", .critical,
                "\(account) accessed the grant tables (\(events.count) times in \(windowText))",
                evidence(events[0], ["count": "\(events.count)"]))
        }
    }

    func injectionAlerts(_ recent: [AuditEvent]) -> [Alert] {
        let watched: (AuditEvent) -> Bool = { event in
            self.section.serviceAccounts.isEmpty
                ? !self.section.admins.contains(event.user) : self.section.serviceAccounts.contains(event.user)
        }
        var hits: [String: [(AuditEvent, String, [String])]] = [:]
        for event in recent where event.event == "QUERY" && watched(event) {
            let masked = AuditSearch.maskLiterals(event.object)
            let names = InjectionSignatures.match(masked)
            if !names.isEmpty { hits[event.account, default: []].append((event, masked, names)) }
        }
        return hits.sorted { $0.key < $1.key }.map { account, found in
            let kinds = Set(found.flatMap(\.2)).sorted()
            let samples = found.prefix(3).map { String($0.1.prefix(200)) }
            return alert(
                "security.injection/\(account)", .critical,
                "\(found.count) statements from \(account) look like SQL injection (\(kinds.joined(separator: ", ")))",
                evidence(
                    found[0].0,
                    [
                        "count": "\(found.count)", "signatures": kinds.joined(separator: ","),
                        "samples": samples.joined(separator: " | "),
                    ]))
        }
    }

    func inMaintenance(_ time: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: time)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return section.maintenance.contains { $0.weekday == parts.weekday && $0.start <= minute && minute < $0.end }
    }

    func evidence(_ event: AuditEvent, _ extra: [String: String]) -> [String: String] {
        var facts = [
            "user": event.user, "host": event.host, "first_seen": AuditTime.format(event.time),
            "window_s": "\(Int(section.window))", "origin": event.origin,
        ]
        facts.merge(extra) { $1 }
        return facts
    }

    func alert(_ id: String, _ severity: Alert.Severity, _ summary: String, _ evidence: [String: String]) -> Alert {
        Alert(id: id, severity: severity, summary: summary, evidence: evidence, source: "security.threats")
    }
}

/// The audit stream before the rules' window, summarised: what "never seen before" is judged by.
public struct ThreatHistory: Sendable, Equatable {
    /// The oldest server event; nil while there is none (then nothing is judged new).
    public var oldest: Date?
    /// Accounts (`user@host`) and users that connected.
    public var accounts: Set<String> = []
    public var users: Set<String> = []

    public init() {}

    public mutating func add(_ event: AuditEvent) {
        guard event.source == .server else { return }
        oldest = min(oldest ?? event.time, event.time)
        guard event.event == "CONNECT" else { return }
        accounts.insert(event.account)
        users.insert(event.user)
    }
}
