import Backup
import Foundation
import Testing

@Suite struct RetentionPlannerTests {
    static let policy = RetentionPolicy(hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 2)

    static func expectPartition(_ plan: RetentionPlan, _ month: MonthOfBackups) {
        let ids = Set(month.backups.map(\.id))
        #expect(Set(plan.keep.keys).union(plan.expire.keys) == ids, "every backup decided")
        #expect(Set(plan.keep.keys).isDisjoint(with: plan.expire.keys))
        let names = Set(month.binlogs.map(\.name))
        #expect(Set(plan.keepBinlogs.keys).union(plan.expireBinlogs.keys) == names, "every binlog decided")
        #expect(Set(plan.keepBinlogs.keys).isDisjoint(with: plan.expireBinlogs.keys))
    }

    /// Every kept incremental's chain is kept down to its full.
    static func expectClosedChains(_ plan: RetentionPlan, _ byID: [String: RetainedBackup]) {
        for id in plan.keep.keys {
            var current = byID[id]!
            while current.kind == .incremental, let parent = current.parent {
                #expect(plan.keep[parent] != nil, "\(parent) under kept \(id)")
                guard let next = byID[parent] else { break }
                current = next
            }
        }
    }

    /// Every binlog from the oldest kept backup on is kept, the kept ones have no gap, and the first starts
    /// right after that backup's position.
    static func expectPointInTimeWindow(_ plan: RetentionPlan, _ month: MonthOfBackups) throws {
        let kept = month.backups.filter { plan.keep[$0.id] != nil }
        let oldest = try #require(kept.min { $0.end < $1.end })
        for binlog in month.binlogs where binlog.lastTime >= oldest.end {
            #expect(plan.keepBinlogs[binlog.name] != nil, "\(binlog.name) in the window from \(oldest.id)")
        }
        let keptFiles = month.binlogs.filter { plan.keepBinlogs[$0.name] != nil }.sorted { $0.name < $1.name }
        let numbers = keptFiles.map { Int($0.name.split(separator: ".").last!)! }
        #expect(numbers == Array(numbers.first!...numbers.last!), "no gap")
        #expect(keptFiles.last?.name == month.binlogs.last?.name, "through to now")
        let first = try #require(GTIDPosition(keptFiles[0].firstGTID!)?.sequence(inDomain: 0))
        let position = try #require(GTIDPosition(oldest.gtidStart!)?.sequence(inDomain: 0))
        #expect(first <= position + 1, "the first kept binlog holds the transaction after \(oldest.id)")
    }

    @Test func aMonthOfHourlyIncrementalsAndDailyFullsKeepsExactlyTheGFSSet() throws {
        let month = MonthOfBackups()
        let plan = RetentionPlanner.plan(
            backups: month.backups, binlogs: month.binlogs, policy: Self.policy, now: month.now)
        let picks = RetentionOracle.gfs(month.backups, Self.policy)
        let newestFull = month.backups.last { $0.kind == .full }!.id
        let expected = RetentionOracle.closed(picks.values.reduce([newestFull]) { $0.union($1) }, month.byID)
        #expect(Set(plan.keep.keys) == expected)
        Self.expectPartition(plan, month)
        Self.expectClosedChains(plan, month.byID)
        try Self.expectPointInTimeWindow(plan, month)
        #expect(plan.warnings == [])

        // What the rules give here, said plainly.
        #expect(picks["hourly"]!.count == 24)
        #expect(picks["daily"]! == Set((26...30).map { "202611\($0)T0100Z-full" } + ["20261201T0100Z-full",
                                                                                     "20261202T0100Z-full"]))
        #expect(picks["weekly"]! == ["20261202T0100Z-full", "20261129T0100Z-full", "20261122T0100Z-full",
                                     "20261115T0100Z-full"])
        #expect(picks["monthly"]! == ["20261202T0100Z-full", "20261130T0100Z-full"])
        #expect(picks["yearly"]! == ["20261202T0100Z-full"])
        #expect(plan.keep["20261115T0100Z-full"] == "weekly 2026-W46")
        #expect(plan.keep["20261202T0100Z-full"]?.contains("daily 2026-12-02") == true)
        #expect(plan.keep["20261202T0100Z-full"]?.contains("weekly 2026-W49") == true)
        #expect(plan.keep["20261202T0100Z-full"]?.contains("newest verified full") == true)
        #expect(plan.keep["20261202T1000Z-inc"] == "hourly 2026-12-02T10")
        #expect(plan.keep["20261201T0300Z-inc"] == "parent of kept 20261201T0400Z-inc")
        #expect(plan.expire["20261114T0100Z-full"]?.hasPrefix("outside the policy") == true)
        // The oldest kept backup is at hour 337 (position 0-1-33700): binlog 337 ends at 33700, 338 is needed.
        #expect(plan.expireBinlogs[MonthOfBackups.binlogName(337)] != nil)
        #expect(plan.keepBinlogs[MonthOfBackups.binlogName(338)] == "point-in-time window from 20261115T0100Z-full")
        #expect(plan.expireBinlogs.count == 337)
    }

    @Test(arguments: [
        RetentionPolicy(hourly: 3, daily: 2, weekly: 0, monthly: 0, yearly: 0),
        RetentionPolicy(hourly: 0, daily: 0, weekly: 2, monthly: 1, yearly: 0),
        RetentionPolicy(hourly: 48, daily: 40, weekly: 10, monthly: 3, yearly: 3),
        RetentionPolicy(hourly: 1, daily: 0, weekly: 0, monthly: 0, yearly: 1),
    ])
    func otherPoliciesMatchTheRestatement(policy: RetentionPolicy) throws {
        let month = MonthOfBackups()
        let plan = RetentionPlanner.plan(backups: month.backups, binlogs: month.binlogs, policy: policy, now: month.now)
        let newestFull = month.backups.last { $0.kind == .full }!.id
        let picks = RetentionOracle.gfs(month.backups, policy)
        #expect(Set(plan.keep.keys) == RetentionOracle.closed(picks.values.reduce([newestFull]) { $0.union($1) },
                                                              month.byID))
        Self.expectPartition(plan, month)
        Self.expectClosedChains(plan, month.byID)
        try Self.expectPointInTimeWindow(plan, month)
    }

    @Test func anUnverifiedNewestBackupIsKeptButNotCounted() throws {
        var month = MonthOfBackups(until: PolicyClock.utc("2026-12-02T10:30"))
        month.backups.append(RetainedBackup(
            id: "20261202T1015Z-inc", kind: .incremental, parent: "20261202T1000Z-inc",
            end: PolicyClock.utc("2026-12-02T10:15"), verified: false, gtidStart: "0-1-75425"))
        // An old unverified one (a verification that failed long ago) ages out.
        month.backups.append(RetainedBackup(
            id: "20261105T0130Z-full", kind: .full, end: PolicyClock.utc("2026-11-05T01:30"), verified: false))
        let plan = RetentionPlanner.plan(
            backups: month.backups, binlogs: month.binlogs, policy: Self.policy, now: month.now)
        #expect(plan.keep["20261202T1015Z-inc"]
            == "unverified: not counted, kept until verified or older than the oldest kept")
        // Hour 10 is still stood for by the verified 10:00 backup, and 24 hours are counted without it.
        #expect(plan.keep["20261202T1000Z-inc"]?.contains("hourly 2026-12-02T10") == true)
        #expect(plan.keep.values.filter { $0.contains("hourly ") }.count == 24)
        #expect(plan.expire["20261105T0130Z-full"]
            == "not counted (unverified) and older than the oldest kept 20261115T0100Z-full")
        Self.expectClosedChains(plan, month.byID)
    }

    @Test func aPolicyOfZerosKeepsTheNewestVerifiedFullAndItsBinlogs() throws {
        let month = MonthOfBackups()
        let zeros = RetentionPolicy(hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0)
        let plan = RetentionPlanner.plan(backups: month.backups, binlogs: month.binlogs, policy: zeros, now: month.now)
        #expect(plan.keep == ["20261202T0100Z-full": "newest verified full"])
        try Self.expectPointInTimeWindow(plan, month)
        // 2 December 01:00 is hour 745.
        #expect(plan.keepBinlogs.count == month.binlogs.count - 745)
        #expect(plan.keepBinlogs[MonthOfBackups.binlogName(746)] != nil)
    }

    @Test func theNewestFullIsKeptWhenItIsNotVerifiedButTheNewestVerifiedOneIsToo() throws {
        var month = MonthOfBackups()
        let index = month.backups.firstIndex { $0.id == "20261202T0100Z-full" }!
        month.backups[index].verified = false
        let zeros = RetentionPolicy(hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0)
        let plan = RetentionPlanner.plan(backups: month.backups, binlogs: month.binlogs, policy: zeros, now: month.now)
        #expect(plan.keep["20261201T0100Z-full"] == "newest verified full")
        #expect(plan.keep["20261202T0100Z-full"]?.hasPrefix("unverified") == true)
        // The incrementals on the unverified full are newer than the oldest kept: kept, not counted.
        #expect(plan.keep["20261202T0500Z-inc"]?.hasPrefix("chain unverified below") == true)
        try Self.expectPointInTimeWindow(plan, month)
    }

    @Test func withoutAnyVerifiedFullNothingIsExpired() {
        let backups = [
            RetainedBackup(id: "a-full", kind: .full, end: PolicyClock.utc("2026-12-01T01:00"), verified: false),
            RetainedBackup(id: "b-inc", kind: .incremental, parent: "a-full", end: PolicyClock.utc("2026-12-01T02:00"),
                           verified: true),
        ]
        let binlogs = [RetainedBinlog(name: "mariadb-bin.000001", firstTime: PolicyClock.utc("2026-11-01T00:00"),
                                      lastTime: PolicyClock.utc("2026-11-02T00:00"))]
        let plan = RetentionPlanner.plan(
            backups: backups, binlogs: binlogs, policy: Self.policy, now: PolicyClock.utc("2026-12-02T00:00"))
        #expect(Set(plan.keep.keys) == ["a-full", "b-inc"])
        #expect(plan.expire.isEmpty)
        #expect(plan.keepBinlogs.keys.sorted() == ["mariadb-bin.000001"])
        #expect(plan.warnings == ["no verified full backup in this location: nothing is expired"])
    }

    @Test func minimumAgeKeepsRecentBackupsWhateverTheCounts() {
        let month = MonthOfBackups()
        let policy = RetentionPolicy(hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0, minimumAge: 3 * 86_400)
        let plan = RetentionPlanner.plan(backups: month.backups, binlogs: month.binlogs, policy: policy, now: month.now)
        let recent = month.backups.filter { $0.end > month.now.addingTimeInterval(-3 * 86_400) }.map(\.id)
        #expect(recent.allSatisfy { plan.keep[$0]?.contains("within minimum age 3d") == true })
        // The oldest recent incremental drags in its chain.
        #expect(plan.keep["20261129T0100Z-full"] != nil)
        Self.expectClosedChains(plan, month.byID)
    }

    @Test func weeklyFullsWithDailyIncrementalsKeepAnIncrementalForDaysWithoutAFull() {
        // Sundays 01:00 full, other days 01:00 incremental on the day before, three weeks.
        var backups: [RetainedBackup] = []
        var previous: String?
        for day in 0..<21 {
            let end = PolicyClock.utc("2026-11-01T01:00").addingTimeInterval(Double(day) * 86_400)  // 1 Nov: a Sunday
            let full = day % 7 == 0
            let id = MonthOfBackups.id(end, full: full)
            backups.append(RetainedBackup(id: id, kind: full ? .full : .incremental, parent: full ? nil : previous,
                                          end: end, verified: true))
            previous = id
        }
        let policy = RetentionPolicy(hourly: 0, daily: 5, weekly: 2, monthly: 0, yearly: 0)
        let plan = RetentionPlanner.plan(backups: backups, binlogs: [], policy: policy,
            now: PolicyClock.utc("2026-11-22T00:00"))
        for day in 17...21 { #expect(plan.keep["202611\(day)T0100Z-inc"]?.contains("daily 2026-11-\(day)") == true) }
        #expect(plan.keep["20261115T0100Z-full"]?.contains("parent of kept 20261116T0100Z-inc") == true)
        // Weekly: the week of 16-22 November has no full, so its newest incremental stands for it.
        #expect(plan.keep["20261121T0100Z-inc"]?.contains("weekly 2026-W47") == true)
        #expect(plan.keep["20261115T0100Z-full"]?.contains("weekly 2026-W46") == true)
        #expect(plan.expire["20261114T0100Z-inc"] != nil)
        #expect(plan.expire["20261108T0100Z-full"] != nil)
        let byID = Dictionary(uniqueKeysWithValues: backups.map { ($0.id, $0) })
        let picks = RetentionOracle.gfs(backups, policy)
        #expect(Set(plan.keep.keys) == RetentionOracle.closed(
            picks.values.reduce(["20261115T0100Z-full"]) { $0.union($1) }, byID))
    }

    @Test func aBrokenChainIsWarnedAboutAndNotCounted() {
        var month = MonthOfBackups()
        month.backups.removeAll { $0.id == "20261202T0500Z-inc" }
        let plan = RetentionPlanner.plan(
            backups: month.backups, binlogs: month.binlogs, policy: Self.policy, now: month.now)
        #expect(plan.warnings.contains(
            "incremental 20261202T0600Z-inc: its parent 20261202T0500Z-inc is not in this location"))
        #expect(plan.keep["20261202T0600Z-inc"]?.hasPrefix("chain incomplete (parent 20261202T0500Z-inc missing)")
            == true)
        #expect(plan.keep["20261202T0800Z-inc"]?.hasPrefix("chain unverified below 20261202T0700Z-inc") == true)
        // With 06:00-10:00 not counted, the hourly kind reaches back 5 more hours.
        #expect(plan.keep["20261201T0600Z-inc"]?.contains("hourly 2026-12-01T06") == true)
    }

    @Test func aMissingBinlogIsAGapWarning() throws {
        var month = MonthOfBackups()
        month.binlogs.removeAll { $0.name == MonthOfBackups.binlogName(700) || $0.name
            == MonthOfBackups.binlogName(701) }
        let plan = RetentionPlanner.plan(
            backups: month.backups, binlogs: month.binlogs, policy: Self.policy, now: month.now)
        #expect(plan.warnings
            == ["binlog gap: mariadb-bin.000700, mariadb-bin.000701 missing between mariadb-bin.000699"
            + " and mariadb-bin.000702; point-in-time recovery cannot cross it"])
        #expect(plan.keepBinlogs[MonthOfBackups.binlogName(699)] != nil)
        #expect(plan.keepBinlogs[MonthOfBackups.binlogName(702)] != nil)
    }

    @Test func binlogsAfterTheBackupsPositionInSomeDomainStay() {
        let end = PolicyClock.utc("2026-12-02T01:00")
        let backups = [RetainedBackup(id: "full", kind: .full, end: end, verified: true, gtidStart: "0-1-100,1-2-50")]
        func binlog(_ number: Int, _ first: String, _ last: String, hours: Double) -> RetainedBinlog {
            RetainedBinlog(name: MonthOfBackups.binlogName(number), firstGTID: first, lastGTID: last,
                           firstTime: end.addingTimeInterval(-hours * 3_600),
                               lastTime: end.addingTimeInterval(-hours * 3_600 + 600))
        }
        let binlogs = [
            binlog(1, "0-1-1", "0-1-60", hours: 5),              // within, one domain
            binlog(2, "0-1-61,1-2-1", "0-1-90,1-2-50", hours: 4), // within in both domains
            binlog(3, "0-1-91", "0-1-95,1-2-51", hours: 3),       // domain 1 goes past the backup
            binlog(4, "0-1-96", "0-1-99", hours: 2),              // within, but after a needed file: no gap
            binlog(5, "0-1-100", "0-1-140", hours: 0.5),
        ]
        let plan = RetentionPlanner.plan(backups: backups, binlogs: binlogs.reversed(), policy: Self.policy,
                                         now: end.addingTimeInterval(3_600))
        #expect(plan.expireBinlogs.keys.sorted() == [MonthOfBackups.binlogName(1), MonthOfBackups.binlogName(2)])
        #expect(plan.keepBinlogs.keys.sorted() == (3...5).map(MonthOfBackups.binlogName))
        #expect(plan.expireBinlogs[MonthOfBackups.binlogName(2)]
            == "within the oldest kept backup full (position 0-1-100,1-2-50, last GTID 0-1-90,1-2-50)")
    }

    @Test func aDomainTheBackupNeverSawKeepsTheBinlog() {
        let end = PolicyClock.utc("2026-12-02T01:00")
        let backups = [RetainedBackup(id: "full", kind: .full, end: end, verified: true, gtidStart: "0-1-100")]
        let binlogs = [RetainedBinlog(name: "mariadb-bin.000001", firstGTID: "2-3-1", lastGTID: "2-3-9",
                                      firstTime: end.addingTimeInterval(-7_200),
                                          lastTime: end.addingTimeInterval(-3_600))]
        let plan = RetentionPlanner.plan(backups: backups, binlogs: binlogs, policy: Self.policy, now: end)
        #expect(plan.keepBinlogs.keys.sorted() == ["mariadb-bin.000001"])
    }

    @Test func withoutGTIDsAFileExpiresOnlyWhenTheNextBeganBeforeTheConsistentPoint() {
        let end = PolicyClock.utc("2026-12-02T01:00:00")
        let backups = [RetainedBackup(id: "full", kind: .full, end: end, verified: true)]
        let binlogs = [
            RetainedBinlog(name: "mariadb-bin.000008", firstTime: end.addingTimeInterval(-7_200),
                           lastTime: end.addingTimeInterval(-3_601)),
            RetainedBinlog(name: "mariadb-bin.000009", firstTime: end.addingTimeInterval(-3_600),
                           lastTime: end.addingTimeInterval(-1)),
            // Began in the very second of the consistent point: 000009 may hold a later commit.
            RetainedBinlog(name: "mariadb-bin.000010", firstTime: end, lastTime: end.addingTimeInterval(600)),
        ]
        let plan = RetentionPlanner.plan(backups: backups, binlogs: binlogs, policy: Self.policy, now: end)
        #expect(plan.expireBinlogs.keys.sorted() == ["mariadb-bin.000008"])
        #expect(plan.expireBinlogs["mariadb-bin.000008"] == "closed before the oldest kept backup full ended")
        #expect(plan.keepBinlogs.keys.sorted() == ["mariadb-bin.000009", "mariadb-bin.000010"])
    }

    @Test func binlogNumbersSortNumericallyPastSixDigits() {
        let end = PolicyClock.utc("2026-12-02T01:00")
        let backups = [RetainedBackup(id: "full", kind: .full, end: end, verified: true, gtidStart: "0-1-100")]
        let binlogs = [
            RetainedBinlog(name: "mariadb-bin.1000000", firstGTID: "0-1-51", lastGTID: "0-1-200",
                           firstTime: end.addingTimeInterval(-600), lastTime: end.addingTimeInterval(600)),
            RetainedBinlog(name: "mariadb-bin.999999", firstGTID: "0-1-1", lastGTID: "0-1-50",
                           firstTime: end.addingTimeInterval(-7_200), lastTime: end.addingTimeInterval(-3_600)),
        ]
        let plan = RetentionPlanner.plan(backups: backups, binlogs: binlogs, policy: Self.policy, now: end)
        #expect(plan.expireBinlogs.keys.sorted() == ["mariadb-bin.999999"])
        #expect(plan.warnings == [])
    }

    @Test func randomCatalogsKeepTheInvariants() {
        var generator = PolicySeededGenerator(seed: 20_261_202)
        for round in 0..<200 {
            var backups: [RetainedBackup] = []
            let count = Int.random(in: 0...60, using: &generator)
            for index in 0..<count {
                let end = MonthOfBackups.start.addingTimeInterval(Double(index) * 3_600 * Double.random(in: 1...30,
                    using: &generator).rounded())
                let full = backups.isEmpty || Int.random(in: 0..<5, using: &generator) == 0
                let parent = full ? nil : backups.randomElement(using: &generator)?.id
                backups.append(RetainedBackup(
                    id: "b\(index)", kind: full ? .full : .incremental, parent: parent, end: end,
                    verified: Int.random(in: 0..<6, using: &generator) != 0))
            }
            let policy = RetentionPolicy(
                hourly: Int.random(in: 0...5, using: &generator), daily: Int.random(in: 0...5, using: &generator),
                weekly: Int.random(in: 0...3, using: &generator), monthly: Int.random(in: 0...2, using: &generator),
                yearly: Int.random(in: 0...1, using: &generator))
            let now = (backups.map(\.end).max() ?? MonthOfBackups.start).addingTimeInterval(3_600)
            let plan = RetentionPlanner.plan(backups: backups, binlogs: [], policy: policy, now: now)
            let byID = Dictionary(uniqueKeysWithValues: backups.map { ($0.id, $0) })
            #expect(Set(plan.keep.keys).union(plan.expire.keys) == Set(byID.keys), "round \(round)")
            #expect(Set(plan.keep.keys).isDisjoint(with: plan.expire.keys), "round \(round)")
            Self.expectClosedChains(plan, byID)
            let restorable = backups.filter { RetentionOracle.restorable($0, byID) }
            if let newestFull = restorable.filter({ $0.kind == .full }).max(by: { ($0.end, $0.id) < ($1.end, $1.id) }) {
                #expect(plan.keep[newestFull.id] != nil, "round \(round): newest verified full")
            } else {
                #expect(plan.expire.isEmpty, "round \(round): nothing restorable, nothing expired")
            }
            if let newestVerified = restorable.map(\.end).max() {
                for backup in backups where !RetentionOracle.restorable(backup, byID) && backup.end > newestVerified {
                    #expect(plan.keep[backup.id] != nil, "round \(round): \(backup.id) may be in progress")
                }
            }
            let picks = RetentionOracle.gfs(backups, policy).values.reduce(Set<String>()) { $0.union($1) }
            #expect(picks.isSubset(of: Set(plan.keep.keys)), "round \(round): every GFS pick kept")
        }
    }
}

extension RetentionPlannerTests {
    /// A year of hourly backups and hourly binlogs: planned well within a retention run's budget.
    @Test func aYearOfHourlyBackupsIsPlannedQuickly() throws {
        let month = MonthOfBackups(until: MonthOfBackups.start.addingTimeInterval(365 * 86_400 + 1_800))
        let started = Date()
        let plan = RetentionPlanner.plan(
            backups: month.backups, binlogs: month.binlogs, policy: Self.policy, now: month.now)
        let seconds = Date().timeIntervalSince(started)
        print("retention plan: \(month.backups.count) backups, \(month.binlogs.count) binlogs in "
            + String(format: "%.3f", seconds) + " s")
        #expect(seconds < 20)
        try Self.expectPointInTimeWindow(plan, month)
        Self.expectClosedChains(plan, month.byID)
    }
}
