import Backup
import Foundation

/// A simulated month: a full at 01:00 every day and an incremental every other hour, each on top of the
/// one before; 100 transactions an hour, so the backup at hour h has GTID position 0-1-(h·100); one binlog
/// file per hour.
struct MonthOfBackups {
    static let start = PolicyClock.utc("2026-11-01T00:00")
    var backups: [RetainedBackup] = []
    var binlogs: [RetainedBinlog] = []
    let now: Date

    init(until now: Date = PolicyClock.utc("2026-12-02T10:30")) {
        self.now = now
        let hours = Int(now.timeIntervalSince(Self.start) / 3_600)
        var previous: String?
        for hour in 1...hours {
            let end = Self.start.addingTimeInterval(Double(hour) * 3_600)
            let isFull = PolicyClock.utcCalendar.component(.hour, from: end) == 1
            let id = Self.id(end, full: isFull)
            backups.append(RetainedBackup(
                id: id, kind: isFull ? .full : .incremental, parent: isFull ? nil : previous, end: end,
                verified: true, gtidStart: "0-1-\(hour * 100)"))
            previous = id
        }
        for file in 0...hours {
            let first = Self.start.addingTimeInterval(Double(file) * 3_600 + 1)
            let last = min(now, Self.start.addingTimeInterval(Double(file + 1) * 3_600 - 1))
            binlogs.append(RetainedBinlog(
                name: Self.binlogName(file + 1), firstGTID: "0-1-\(file * 100 + 1)",
                lastGTID: "0-1-\(file * 100 + (file == hours ? 50 : 100))", firstTime: first, lastTime: last))
        }
    }

    static func id(_ end: Date, full: Bool) -> String {
        let text = end.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))  // 2026-11-01T01:00:00Z
        let compact = text.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        return String(compact.prefix(13)) + "Z-" + (full ? "full" : "inc")  // 20261101T0100Z-full
    }

    static func binlogName(_ number: Int) -> String {
        let digits = String(number)
        return "mariadb-bin." + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    var byID: [String: RetainedBackup] { Dictionary(uniqueKeysWithValues: backups.map { ($0.id, $0) }) }
}

/// The retention rules restated the slow, obvious way, with Foundation's calendars, to check the planner.
enum RetentionOracle {
    static func restorable(_ backup: RetainedBackup, _ byID: [String: RetainedBackup]) -> Bool {
        var current = backup
        var steps = 0
        while true {
            guard current.verified else { return false }
            if current.kind == .full { return true }
            guard let parent = current.parent, let next = byID[parent], steps < byID.count else { return false }
            current = next
            steps += 1
        }
    }

    /// Backup ids each GFS kind picks.
    static func gfs(_ backups: [RetainedBackup], _ policy: RetentionPolicy) -> [String: Set<String>] {
        let byID = Dictionary(uniqueKeysWithValues: backups.map { ($0.id, $0) })
        // Equal times: the larger id counts as the newer, as the planner documents.
        let counted = backups.filter { restorable($0, byID) }.sorted { ($0.end, $0.id) > ($1.end, $1.id) }
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = policy.timeZone
        var iso = Calendar(identifier: .iso8601)
        iso.timeZone = policy.timeZone
        let kinds: [(String, Int, (Date) -> [Int], Bool)] = [
            ("hourly", policy.hourly, { let c = gregorian.dateComponents([.year, .month, .day, .hour], from: $0)
                return [c.year!, c.month!, c.day!, c.hour!] }, false),
            ("daily", policy.daily, { let c = gregorian.dateComponents([.year, .month, .day], from: $0)
                return [c.year!, c.month!, c.day!] }, true),
            ("weekly", policy.weekly, { let c = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: $0)
                return [c.yearForWeekOfYear!, c.weekOfYear!] }, true),
            ("monthly", policy.monthly, { let c = gregorian.dateComponents([.year, .month], from: $0)
                return [c.year!, c.month!] }, true),
            ("yearly", policy.yearly, { [gregorian.component(.year, from: $0)] }, true),
        ]
        var picks: [String: Set<String>] = [:]
        for (name, count, period, preferFull) in kinds {
            var order: [[Int]] = []
            var members: [[Int]: [RetainedBackup]] = [:]
            for backup in counted {
                let key = period(backup.end)
                if members[key] == nil { order.append(key) }
                members[key, default: []].append(backup)
            }
            picks[name] = Set(order.prefix(count).map { key in
                let group = members[key]!  // newest first
                return (preferFull ? group.first { $0.kind == .full } : nil)?.id ?? group[0].id
            })
        }
        return picks
    }

    /// Adds every ancestor of the kept incrementals.
    static func closed(_ kept: Set<String>, _ byID: [String: RetainedBackup]) -> Set<String> {
        var result = kept
        for id in kept {
            var current = byID[id]
            while let backup = current, let parent = backup.parent, let next = byID[parent] {
                result.insert(parent)
                current = next
            }
        }
        return result
    }
}
