import Foundation

/// What the agent keeps between reads of the statement history: the personal-data statements of the last
/// window (each once), the account of every session it has seen alive, and whether the history wrapped
/// between two reads (statements were lost to the rule).
///
/// A session that connected, read and disconnected between two reads has no account in the history. Its
/// statements are attributed by the per-account totals, which outlive sessions: when exactly one account
/// both had a session end and received at least that many rows (beyond what its known sessions account for)
/// between the two reads, it is that account (said so in the evidence); otherwise the account stays unknown
/// and the alert says so.
public struct StatementStore: Sendable {
    public let window: TimeInterval
    public private(set) var samples: [StatementSample] = []
    var seen: Set<[Int64]> = []
    var accounts: [Int64: (session: Int64, user: String, host: String)] = [:]
    var lastAccountRows: [String: Int64]?
    var lastAccountEnded: [String: Int64] = [:]
    var lastNewest: Date?
    /// Set when the last read found the history full and not reaching back to the read before it.
    public private(set) var gap: (capacity: Int, since: Date)?

    public init(window: TimeInterval) { self.window = window }

    public mutating func add(_ read: StatementHistory.Read, now: Date) {
        accounts.merge(read.sessions) { $1 }
        if let lastNewest, read.held >= read.capacity, let oldest = read.oldest, oldest > lastNewest {
            gap = (read.capacity, lastNewest)
        } else {
            gap = nil
        }
        let start = now.addingTimeInterval(-window)
        var fresh: [StatementSample] = []
        for var sample in read.samples where sample.time > start && !seen.contains([sample.thread, sample.event]) {
            seen.insert([sample.thread, sample.event])
            if sample.user == nil, let known = accounts[sample.thread] {
                sample.session = known.session
                sample.user = known.user
                sample.host = known.host
            }
            fresh.append(sample)
        }
        attribute(&fresh, read)
        samples += fresh
        lastAccountRows = read.accountRows
        lastAccountEnded = read.accountEnded
        lastNewest = read.newest ?? lastNewest
        samples.removeAll { $0.time <= start }
        seen = Set(samples.map { [$0.thread, $0.event] })
    }

    /// Sessions with no account: the one account that had a session end and whose SELECTs received their rows
    /// since the last read.
    func attribute(_ fresh: inout [StatementSample], _ read: StatementHistory.Read) {
        let before = lastAccountRows ?? [:]
        var known: [String: Int64] = [:]
        for sample in fresh where sample.user != nil { known[sample.account, default: 0] += sample.rowsSent }
        let unknown = Dictionary(grouping: fresh.indices.filter { fresh[$0].user == nil }) { fresh[$0].thread }
        let ended = Set(
            read.accountEnded.filter { $0.value > (lastAccountEnded[$0.key] ?? 0) }.map(\.key))
        for (_, indices) in unknown {
            let needed = indices.reduce(Int64(0)) { $0 + fresh[$1].rowsSent }
            let candidates = read.accountRows.filter { account, rows in
                ended.contains(account) && rows - (before[account] ?? 0) - (known[account] ?? 0) >= needed
            }.map(\.key)
            guard lastAccountRows != nil, candidates.count == 1, let account = candidates.first,
                let at = account.lastIndex(of: "@")
            else {
                for index in indices { fresh[index].candidates = candidates.sorted() }
                continue
            }
            for index in indices {
                fresh[index].user = String(account[..<at])
                fresh[index].host = String(account[account.index(after: at)...])
                fresh[index].attributed =
                    "the session had ended; the only account with a session ended that received \(needed) rows "
                    + "between two reads"
            }
        }
    }
}
