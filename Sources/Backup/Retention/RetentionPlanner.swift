import Foundation

/// Decides which backups and binlogs of one location stay.
///
/// GFS, like restic's `forget --keep-hourly/daily/weekly/monthly/yearly`: for each period kind, walking
/// verified backups newest first, the newest backup of each distinct hour (day, ISO week, month, year) is
/// kept until that kind's count of periods is filled. Only restorable backups count: verified, and for an
/// incremental, every backup under it verified and present. Of two backups with the same time, the one with
/// the larger id counts as the newer. Periods begin in the policy's time zone (UTC unless told).
///
/// Which backup stands for a period: in the hourly kind, the newest of the hour, full or incremental (hourly
/// backups are usually incrementals). In the daily, weekly, monthly and yearly kinds, the period's newest
/// full, because a full stands alone while an incremental drags its whole chain along; a period that has no
/// full (weekly fulls with daily incrementals) is stood for by its newest incremental.
///
/// Whatever the counts: the newest verified full is kept, every backup under a kept incremental is kept, and
/// backups younger than `minimumAge` are kept. Backups that do not count (unverified, or on an incomplete
/// chain) are kept while they are not older than the oldest kept backup: the newest may still be in progress
/// or awaiting verification, and a failed one ages out with the rest. A location with no restorable backup
/// expires nothing.
///
/// Binlogs: every file from the first one that holds a transaction some kept backup lacks is kept, through
/// to the newest, without gaps, so any kept backup can be rolled forward to now. A file before that expires
/// only when, for every kept backup, its last GTID is within the backup's position in every domain and its
/// last event is older than the backup's consistent point. Without GTIDs, a file expires only when the next
/// file began before the backup's consistent point.
public enum RetentionPlanner {
    public static func plan(
        backups: [RetainedBackup], binlogs: [RetainedBinlog], policy: RetentionPolicy, now: Date
    ) -> RetentionPlan {
        var selection = RetentionSelection(backups: backups, policy: policy, now: now)
        selection.selectBackups()
        var plan = RetentionPlan(warnings: selection.warnings)
        for backup in selection.backups {
            if let reasons = selection.reasons[backup.id] {
                plan.keep[backup.id] = reasons.joined(separator: ", ")
            } else {
                plan.expire[backup.id] = selection.expiryReason(backup)
            }
        }
        let kept = selection.backups.filter { plan.keep[$0.id] != nil }
        planBinlogs(binlogs, keeping: kept, noVerifiedBackup: selection.counted.isEmpty, into: &plan)
        return plan
    }
}

/// The working state of one backup selection.
struct RetentionSelection {
    let policy: RetentionPolicy
    let now: Date
    /// Newest first; the first of a repeated id.
    let backups: [RetainedBackup]
    let byID: [String: RetainedBackup]
    /// Restorable backups, newest first.
    var counted: [RetainedBackup] = []
    var reasons: [String: [String]] = [:]
    var warnings: [String] = []
    var oldestKept: RetainedBackup?
    private var restorable: [String: Bool] = [:]
    /// Why a backup does not count, for those that do not.
    private var notCounted: [String: String] = [:]

    init(backups: [RetainedBackup], policy: RetentionPolicy, now: Date) {
        self.policy = policy
        self.now = now
        var seen = Set<String>()
        var unique: [RetainedBackup] = []
        var warnings: [String] = []
        for backup in backups {
            if seen.insert(backup.id).inserted {
                unique.append(backup)
            } else {
                warnings.append("backup \(backup.id) is listed twice; the first entry is used")
            }
        }
        self.backups = unique.sorted { ($0.end, $0.id) > ($1.end, $1.id) }
        byID = Dictionary(uniqueKeysWithValues: unique.map { ($0.id, $0) })
        self.warnings = warnings
    }

    mutating func selectBackups() {
        for backup in backups where isRestorable(backup.id, depth: 0) { counted.append(backup) }
        guard !counted.isEmpty else {
            if !backups.isEmpty {
                warnings.append("no verified full backup in this location: nothing is expired")
            }
            for backup in backups { keep(backup.id, "no restorable backup in this location: nothing is expired") }
            return
        }
        selectPeriods()
        if let newestFull = counted.first(where: { $0.kind == .full }) { keep(newestFull.id, "newest verified full") }
        if let minimumAge = policy.minimumAge {
            let label = "within minimum age \(Self.duration(minimumAge))"
            for backup in backups where backup.end > now.addingTimeInterval(-minimumAge) { keep(backup.id, label) }
        }
        closeChains()
        oldestKept = backups.last { reasons[$0.id] != nil }
        if let oldestKept {
            for backup in backups where notCounted[backup.id] != nil && backup.end >= oldestKept.end {
                keep(backup.id, notCounted[backup.id]!)
            }
        }
        closeChains()
        oldestKept = backups.last { reasons[$0.id] != nil }
    }

    /// Fills each period kind with its newest periods' representatives.
    mutating func selectPeriods() {
        for period in RetentionPeriod.allCases {
            let wanted = period.count(in: policy)
            guard wanted > 0 else { continue }
            var groups: [(label: String, members: [RetainedBackup])] = []
            for backup in counted {
                let label = period.label(of: backup.end, in: policy.timeZone)
                if groups.last?.label == label {
                    groups[groups.count - 1].members.append(backup)
                } else {
                    if groups.count == wanted { break }
                    groups.append((label, [backup]))
                }
            }
            for group in groups {
                let chosen = period == .hourly
                    ? group.members[0]
                    : group.members.first { $0.kind == .full } ?? group.members[0]
                keep(chosen.id, "\(period.rawValue) \(group.label)")
            }
        }
    }

    /// Keeps every backup under a kept incremental.
    mutating func closeChains() {
        var pending = backups.filter { reasons[$0.id] != nil }.map(\.id)
        while let id = pending.popLast() {
            guard let backup = byID[id], backup.kind == .incremental, let parent = backup.parent,
                  byID[parent] != nil
            else { continue }
            let reason = "parent of kept \(id)"
            if reasons[parent] == nil { pending.append(parent) }
            if !(reasons[parent] ?? []).contains(where: { $0.hasPrefix("parent of kept ") }) {
                keep(parent, reason)
            }
        }
    }

    mutating func keep(_ id: String, _ reason: String) {
        if !(reasons[id] ?? []).contains(reason) { reasons[id, default: []].append(reason) }
    }

    func expiryReason(_ backup: RetainedBackup) -> String {
        if notCounted[backup.id] != nil {
            return "not counted (\(notCountedCause(backup))) and older than the oldest kept \(oldestKept?.id ?? "")"
        }
        return "outside the policy (hourly \(policy.hourly), daily \(policy.daily), weekly \(policy.weekly), "
            + "monthly \(policy.monthly), yearly \(policy.yearly))"
    }

    private func notCountedCause(_ backup: RetainedBackup) -> String {
        let reason = notCounted[backup.id] ?? ""
        return String(reason.prefix { $0 != ":" })
    }

    /// Verified, and for an incremental, its whole chain present and verified. Records why not.
    mutating func isRestorable(_ id: String, depth: Int) -> Bool {
        if let known = restorable[id] { return known }
        guard let backup = byID[id] else { return false }
        var cause: String?
        if !backup.verified {
            cause = "unverified: not counted, kept until verified or older than the oldest kept"
        } else if backup.kind == .incremental {
            if let parent = backup.parent, byID[parent] != nil {
                if depth > backups.count || !isRestorable(parent, depth: depth + 1) {
                    cause = "chain unverified below \(parent): not counted, kept until verified or older than the"
                        + " oldest kept"
                }
            } else {
                let missing = backup.parent ?? "(none given)"
                cause = "chain incomplete (parent \(missing) missing): not counted, kept until older than the oldest"
                    + " kept"
                warnings.append("incremental \(id): its parent \(missing) is not in this location")
            }
        }
        notCounted[id] = cause
        restorable[id] = cause == nil
        return cause == nil
    }

    /// "7d", "36h", "90m", "45s": the largest unit that divides the interval.
    static func duration(_ interval: TimeInterval) -> String {
        let seconds = Int(interval.rounded())
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] where seconds >= size && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
