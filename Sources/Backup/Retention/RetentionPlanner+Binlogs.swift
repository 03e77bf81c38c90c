import Foundation

extension RetentionPlanner {
    /// Keeps every binlog from the first one some kept backup still needs; see ``RetentionPlanner``.
    static func planBinlogs(
        _ binlogs: [RetainedBinlog], keeping kept: [RetainedBackup], noVerifiedBackup: Bool,
        into plan: inout RetentionPlan
    ) {
        let files = binlogs.sorted { lhs, rhs in
            let (left, right) = (lhs.sequence, rhs.sequence)
            return (left.base, left.number ?? -1, lhs.name) < (right.base, right.number ?? -1, rhs.name)
        }
        for file in files {
            for (label, text) in [("first", file.firstGTID), ("last", file.lastGTID)]
            where text.map({ GTIDPosition($0) == nil }) ?? false {
                plan.warnings.append("binlog \(file.name): \(label) GTID \(text!) is not domain-server-sequence")
            }
        }
        guard !noVerifiedBackup, let oldest = kept.min(by: { ($0.end, $0.id) < ($1.end, $1.id) }) else {
            for file in files { plan.keepBinlogs[file.name] = "no restorable backup in this location" }
            return
        }
        let positions = kept.map { ($0, $0.gtidStart.flatMap(GTIDPosition.init)) }
        let lasts = files.map { $0.lastGTID.flatMap(GTIDPosition.init) }
        var firstNeeded = files.count
        for index in files.indices {
            let covered = positions.allSatisfy { backup, position in
                isCovered(files, lasts, index, by: backup, at: position)
            }
            if !covered {
                firstNeeded = index
                break
            }
        }
        for (index, file) in files.enumerated() {
            if index < firstNeeded {
                let position = positions.first { $0.0.id == oldest.id }?.1
                plan.expireBinlogs[file.name] = position.map {
                    "within the oldest kept backup \(oldest.id) (position \($0), last GTID \(file.lastGTID ?? "?"))"
                } ?? "closed before the oldest kept backup \(oldest.id) ended"
            } else {
                plan.keepBinlogs[file.name] = "point-in-time window from \(oldest.id)"
            }
        }
        checkContinuity(Array(files[firstNeeded...]), from: oldest, into: &plan)
    }

    /// Every transaction of `files[index]` is in `backup`.
    static func isCovered(
        _ files: [RetainedBinlog], _ lasts: [GTIDPosition?], _ index: Int, by backup: RetainedBackup,
        at position: GTIDPosition?
    ) -> Bool {
        let file = files[index]
        guard file.lastTime < backup.end else { return false }
        if let position, let last = lasts[index], !last.isEmpty {
            return position.includes(last)
        }
        // Binlogs are written at commit: a file followed by one begun before the consistent point was closed
        // before it, so the backup holds all of it.
        return index + 1 < files.count && files[index + 1].firstTime < backup.end
    }

    /// Warns about holes in the kept binlogs: a missing file number, or a first file that starts after the
    /// oldest kept backup's position.
    static func checkContinuity(_ kept: [RetainedBinlog], from oldest: RetainedBackup, into plan: inout RetentionPlan) {
        for (previous, next) in zip(kept, kept.dropFirst()) {
            let (left, right) = (previous.sequence, next.sequence)
            guard left.base == right.base, let low = left.number, let high = right.number, high > low + 1 else {
                continue
            }
            let width = previous.name.count - left.base.count - 1
            let missing = (low + 1..<high).map { number in
                let digits = String(number)
                return "\(left.base).\(String(repeating: "0", count: max(0, width - digits.count)))\(digits)"
            }
            let shown = missing.count > 3
                ? "\(missing[0]) … \(missing[missing.count - 1])" : missing.joined(separator: ", ")
            plan.warnings.append(
                "binlog gap: \(shown) missing between \(previous.name) and \(next.name); point-in-time recovery"
                    + " cannot cross it")
        }
        guard let first = kept.first, let start = first.firstGTID.flatMap(GTIDPosition.init),
              let position = oldest.gtidStart.flatMap(GTIDPosition.init)
        else { return }
        for gtid in start.gtids {
            if let reached = position.sequence(inDomain: gtid.domain), gtid.sequence > reached + 1 {
                plan.warnings.append(
                    "binlog gap: \(oldest.id) ends at \(gtid.domain)-\(reached) in domain \(gtid.domain) but the first"
                        + " kept binlog \(first.name) starts at \(gtid)")
            }
        }
    }
}
