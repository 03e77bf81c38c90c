import Foundation

/// How a local server is sized. `render` turns it into `my.cnf` settings, each with the reason it has its
/// value (see docs/server-config.md).
public struct ServerProfile: Sendable, Equatable {
    public enum Purpose: String, Sendable {
        /// Durable settings sized to the machine: what a production shop database should run with.
        case production
        /// Small and fast to start; durability relaxed (a test's data is disposable).
        case test
    }

    public var purpose: Purpose
    /// Memory the server may use, in bytes (the whole machine for a dedicated database host).
    public var memoryBytes: UInt64
    public var cpuCores: Int

    public init(purpose: Purpose, memoryBytes: UInt64, cpuCores: Int) {
        self.purpose = purpose
        self.memoryBytes = memoryBytes
        self.cpuCores = max(1, cpuCores)
    }

    /// For tests and demos: a 128 MiB buffer pool regardless of the machine.
    public static let test = ServerProfile(purpose: .test, memoryBytes: 1 << 30, cpuCores: 2)

    /// Production sizing for this machine (physical memory and active cores).
    public static func production(memoryBytes: UInt64? = nil, cpuCores: Int? = nil) -> ServerProfile {
        ServerProfile(
            purpose: .production, memoryBytes: memoryBytes ?? ProcessInfo.processInfo.physicalMemory,
            cpuCores: cpuCores ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    public struct Setting: Sendable, Equatable {
        public var name: String
        public var value: String
        public var reason: String
    }

    static let mebibyte: UInt64 = 1 << 20

    /// Settings that depend on the profile. Paths, port and server id are added by `ServerConfigFile`.
    public var settings: [Setting] {
        var s: [Setting] = []
        func add(_ name: String, _ value: String, _ reason: String) { s.append(Setting(name: name, value: value, reason: reason)) }
        let mib = Self.mebibyte
        let production = purpose == .production

        let pool: UInt64
        if production {
            // 70 % of memory on a dedicated host (50 % below 4 GiB, where the OS and connections need a larger share),
            // in whole 128 MiB chunks (innodb_buffer_pool_chunk_size).
            let share = memoryBytes >= 4 << 30 ? memoryBytes / 10 * 7 : memoryBytes / 2
            pool = max(128 * mib, share / (128 * mib) * (128 * mib))
        } else {
            pool = 128 * mib
        }
        add("innodb_buffer_pool_size", "\(pool / mib)M", production
            ? "working set in memory: 70% of RAM on a dedicated host (50% under 4 GiB), rounded down to 128M"
            : "tests hold little data; a small pool starts fast")
        let redo = production ? min(max(pool / 4, 256 * mib), 4096 * mib) : 48 * mib
        add("innodb_log_file_size", "\(redo / mib)M", production
            ? "redo log ~25% of the buffer pool (256M-4G): absorbs write bursts without checkpoint stalls"
            : "small redo log: quick to create")
        add("innodb_flush_method", "O_DIRECT", "avoid double buffering data pages in the OS page cache")
        add("innodb_flush_log_at_trx_commit", production ? "1" : "2", production
            ? "every commit is durable on disk (no committed order is lost on power failure)"
            : "tests trade durability on OS crash for speed; a mariadbd crash still loses nothing")
        add("sync_binlog", production ? "1" : "0", production
            ? "binary log fsync per commit: replicas and point-in-time recovery never miss a commit"
            : "tests do not survive power loss anyway")
        add("innodb_io_capacity", production ? "1000" : "200", "background flushing rate; SSD-class storage assumed in production")
        add("innodb_file_per_table", "ON", "one tablespace per table: space returns to the OS on DROP/OPTIMIZE")
        add("innodb_autoinc_lock_mode", "2", "interleaved AUTO_INCREMENT locks: concurrent inserts scale; safe with ROW binlog")
        let connections = production ? min(2000, max(200, cpuCores * 100)) : 200
        add("max_connections", "\(connections)", "100 per core (min 200, max 2000): pools size below this; beyond it threads thrash")
        add("thread_cache_size", "\(min(connections, 256))", "reuse threads instead of creating one per connection (MariaDB's own cap, 256)")
        add("table_open_cache", production ? "4000" : "400", "open table handles cached; a shop has tens of tables, partitions multiply them")
        add("tmp_table_size", production ? "64M" : "16M", "in-memory temporary tables for GROUP BY/ORDER BY before spilling to disk")
        add("max_heap_table_size", production ? "64M" : "16M", "kept equal to tmp_table_size (the smaller of the two wins)")
        add("max_allowed_packet", "64M", "room for large JSON/BLOB values and multi-row inserts")
        add("character_set_server", "utf8mb4", "full Unicode (emoji, all scripts) in every new table")
        add("collation_server", "utf8mb4_unicode_ci", "Unicode-aware comparison and sorting")
        add("sql_mode", "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION",
            "reject bad data instead of silently truncating or converting it; GRANT never creates password-less users")
        add("default_storage_engine", "InnoDB", "transactions, row locks, foreign keys, crash recovery")
        add("transaction_isolation", "REPEATABLE-READ", "InnoDB's default; the application chooses per transaction where it needs another")
        add("binlog_format", "ROW", "row images: deterministic replication, change capture for online migration, PITR")
        add("binlog_row_image", "FULL", "before and after images of every column, needed to verify and undo changes")
        add("log_slave_updates", "ON", "a replica writes what it applies to its own binlog, so it can be promoted")
        add("gtid_strict_mode", "ON", "out-of-order GTIDs are refused, so binlog histories stay identical across servers: safe GTID failover")
        add("binlog_expire_logs_seconds", production ? "604800" : "86400", "keep a week of binlogs for recovery in production")
        add("performance_schema", "ON", "statement digests, waits and lock data for monitoring and the query digest")
        add("slow_query_log", "ON", "every statement slower than long_query_time is recorded for review")
        add("long_query_time", production ? "0.5" : "1", "threshold for the slow log, seconds")
        add("log_slow_verbosity", "query_plan", "slow log entries say whether the query scanned fully, sorted or used temporary tables")
        add("local_infile", "ON", "LOAD DATA LOCAL INFILE: the migrator's bulk-load path (the client serves only its own streams)")
        add("skip_name_resolve", "ON", "no DNS lookups on connect; grants use IP addresses")
        return s
    }
}
