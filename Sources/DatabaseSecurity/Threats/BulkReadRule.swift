import AuditTrail
import DbctlConfig
import Foundation
import Notify

/// Bulk reads of personal data: a session that received at least `bulk_read_rows` rows of the `pii_tables`
/// within the window, from an account not in `bulk_read_exempt`. Pure: statement samples in, alerts out; one
/// alert per account (the sessions in its evidence), so a dump split over several connections is still one.
public struct BulkReadRule: Sendable {
    public let section: ThreatsSection

    public init(section: ThreatsSection) { self.section = section }

    public func evaluate(_ samples: [StatementSample], now: Date, gap: (capacity: Int, since: Date)? = nil) -> [Alert] {
        let start = now.addingTimeInterval(-section.window)
        let recent = samples.filter { $0.time > start && $0.time <= now }
        let exempt = Set(section.bulkReadExempt)
        var bySession: [Int64: [StatementSample]] = [:]
        for sample in recent where !exempt.contains(sample.user ?? "") {
            bySession[sample.thread, default: []].append(sample)
        }
        var byAccount: [String: [[StatementSample]]] = [:]
        for (_, statements) in bySession {
            let rows = statements.reduce(Int64(0)) { $0 + $1.rowsSent }
            guard rows >= section.bulkReadRows else { continue }
            byAccount[statements[0].account, default: []].append(statements.sorted { $0.time < $1.time })
        }
        var alerts: [Alert] = []
        for (account, sessions) in byAccount.sorted(by: { $0.key < $1.key }) {
            let all = sessions.flatMap { $0 }.sorted { $0.time < $1.time }
            let rows = all.reduce(Int64(0)) { $0 + $1.rowsSent }
            let tables = Array(Set(all.flatMap(\.tables))).sorted()
            let largest = all.max { $0.rowsSent < $1.rowsSent }!
            let ids = sessions.map { $0[0].session.map(String.init) ?? "thread \($0[0].thread)" }
            var evidence = [
                "account": account, "rows": "\(rows)", "statements": "\(all.count)",
                "sessions": ids.sorted().joined(separator: ","), "tables": tables.joined(separator: ","),
                "first_seen": AuditTime.format(all[0].time), "window_s": "\(Int(section.window))",
                "threshold": "\(section.bulkReadRows)", "sample": String(largest.text.prefix(200)),
            ]
            if let attributed = all.first(where: { $0.attributed != nil })?.attributed {
                evidence["attributed"] = attributed
            } else if all[0].user == nil {
                let candidates = Set(all.flatMap(\.candidates)).sorted()
                evidence["candidates"] = candidates.isEmpty ? "none" : candidates.prefix(10).joined(separator: ",")
            }
            let who = all[0].user == nil ? "a session whose account is unknown (it had ended)" : account
            alerts.append(
                Alert(
                    id: "security.pii.bulk_read/\(account)", severity: .critical,
                    summary:
                        "\(who) received \(rows) rows of \(tables.joined(separator: ", ")) in "
                        + "\(Int(section.window)) s (threshold \(section.bulkReadRows) per session)",
                    evidence: evidence, source: "security.pii"))
        }
        if let gap {
            alerts.append(
                Alert(
                    id: "security.pii.history_wrapped", severity: .warning,
                    summary:
                        "the server's statement history (\(gap.capacity) statements) wrapped between two reads; "
                        + "statements since \(AuditTime.format(gap.since)) may have escaped the bulk-read rule: raise "
                        + "performance_schema_events_statements_history_long_size or shorten statement_poll",
                    evidence: ["capacity": "\(gap.capacity)", "since": AuditTime.format(gap.since)],
                    source: "security.pii"))
        }
        return alerts
    }
}
