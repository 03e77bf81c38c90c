import Foundation

/// `backup:` — where backups go, how they are encrypted, when they run and how long they are kept.
public struct BackupSection: Sendable, Equatable {
    /// Catalog cache, staging of encrypted objects, scratch copies for prepare and drills (mode 0700).
    public var workDirectory: String
    /// Key-encryption keys (0600).
    public var keyFile: String
    public var schedule: Schedule
    public var locations: [LocationConfig]
    public var retention: RetentionConfig
    /// mariadb-backup `--parallel`.
    public var parallel: Int = 2
    /// Rotate the server's binlog (`FLUSH BINARY LOGS`) when the open one is older than this, so archived
    /// binlogs are never further behind than this (the recovery point for a lost host).
    public var binlogRotate: TimeInterval = 300
    /// After archiving, purge the server's binlogs that are archived and verified in every location.
    public var purgeServerBinlogs: Bool = false
    /// How late a scheduled job may be before "stale" alerts.
    public var staleGrace: TimeInterval = 1800
    /// Alert when a location (or the work directory) is fuller than this.
    public var storageWarnPercent: Int = 85
    /// `CHECKSUM TABLE` of every table on the prepared copy at backup time (the drill compares with them).
    public var tableChecksums: Bool = true

    public struct Schedule: Sendable, Equatable {
        public var full: String = "0 1 * * *"
        public var incremental: String = "0 * * * *"
        public var binlogs: String = "continuous"
        public var drill: String = "30 3 * * *"
        /// A restore to a random point in the window, beside the daily drill of the newest backup.
        public var pointInTimeDrill: String = "30 4 * * 0"
        public var expire: String = "45 1 * * *"
        /// `verify` of every object in every location.
        public var verify: String = "0 4 * * *"

        public init() {}
    }

    public init(workDirectory: String, keyFile: String, schedule: Schedule = Schedule(), locations: [LocationConfig],
                retention: RetentionConfig = RetentionConfig()) {
        self.workDirectory = workDirectory
        self.keyFile = keyFile
        self.schedule = schedule
        self.locations = locations
        self.retention = retention
    }

    static func read(_ reader: YAMLReader) throws -> BackupSection {
        let map = try reader.mapping(allowed: [
            "work_dir", "key_file", "schedule", "locations", "retention", "parallel", "binlog_rotate",
            "purge_server_binlogs", "stale_grace", "storage_warn_percent", "table_checksums",
        ])
        let locations = try map.required("locations").sequence().map(LocationConfig.read)
        guard !locations.isEmpty else { throw try map.required("locations").error(.invalidValue, "name at least one") }
        var names = Set<String>()
        for (index, location) in locations.enumerated() where !names.insert(location.name).inserted {
            throw ConfigurationError(.invalidValue, file: reader.file, key: reader.path("locations[\(index)].name"),
                                     "location name \(location.name) is used twice")
        }
        var section = BackupSection(
            workDirectory: try map.requiredString("work_dir"), keyFile: try map.requiredString("key_file"),
            locations: locations,
            retention: try map.child("retention").map(RetentionConfig.read) ?? RetentionConfig())
        if let schedule = map.child("schedule") { section.schedule = try Schedule.read(schedule) }
        if let parallel = try map.int("parallel", in: 1...64) { section.parallel = parallel }
        if let rotate = try map.duration("binlog_rotate") { section.binlogRotate = rotate }
        if let purge = try map.bool("purge_server_binlogs") { section.purgeServerBinlogs = purge }
        if let grace = try map.duration("stale_grace") { section.staleGrace = grace }
        if let percent = try map.int("storage_warn_percent", in: 1...100) { section.storageWarnPercent = percent }
        if let checksums = try map.bool("table_checksums") { section.tableChecksums = checksums }
        return section
    }
}

extension BackupSection.Schedule {
    static func read(_ reader: YAMLReader) throws -> Self {
        let map = try reader.mapping(allowed: ["full", "incremental", "binlogs", "drill", "pitr_drill", "expire", "verify"])
        var schedule = Self()
        if let value = try map.string("full") { schedule.full = value }
        if let value = try map.string("incremental") { schedule.incremental = value }
        if let value = try map.string("binlogs") { schedule.binlogs = value }
        if let value = try map.string("drill") { schedule.drill = value }
        if let value = try map.string("pitr_drill") { schedule.pointInTimeDrill = value }
        if let value = try map.string("expire") { schedule.expire = value }
        if let value = try map.string("verify") { schedule.verify = value }
        return schedule
    }
}

/// GFS retention counts: how many hourly, daily, weekly, monthly and yearly backups stay.
public struct RetentionConfig: Sendable, Equatable {
    public var hourly = 24
    public var daily = 7
    public var weekly = 4
    public var monthly = 12
    public var yearly = 2

    public init() {}

    static func read(_ reader: YAMLReader) throws -> RetentionConfig {
        let map = try reader.mapping(allowed: ["hourly", "daily", "weekly", "monthly", "yearly"])
        var retention = RetentionConfig()
        if let value = try map.int("hourly", in: 0...100_000) { retention.hourly = value }
        if let value = try map.int("daily", in: 0...100_000) { retention.daily = value }
        if let value = try map.int("weekly", in: 0...100_000) { retention.weekly = value }
        if let value = try map.int("monthly", in: 0...100_000) { retention.monthly = value }
        if let value = try map.int("yearly", in: 0...100_000) { retention.yearly = value }
        return retention
    }
}
