import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

@Suite struct ServerLifecycleTests {
    @Test func twoServersAtOnceRunTheRenderedConfigAndCleanUp() async throws {
        let a = try await MariaDBServer.start()
        var secondOptions = MariaDBServer.Options()
        secondOptions.serverID = 2
        let b: MariaDBServer
        do { b = try await MariaDBServer.start(secondOptions) } catch { try? await a.stop(); throw error }
        do {
            #expect(a.port != b.port)
            for (server, id) in [(a, 1), (b, 2)] {
                let db = try BlockingConnection.connect(server.adminConfiguration())
                defer { db.close() }
                let row = try db.query("""
                    SELECT @@server_id, @@port, @@bind_address, @@binlog_format, @@log_bin, @@gtid_strict_mode,
                           @@performance_schema, @@slow_query_log, @@local_infile, @@innodb_buffer_pool_size,
                           @@character_set_server, @@innodb_flush_method
                    """).rows[0]
                #expect(try row.decode(0, as: Int.self) == id)
                #expect(try row.decode(1, as: Int.self) == server.port)
                #expect(try row.decode(2, as: String.self) == "127.0.0.1")
                #expect(try row.decode(3, as: String.self) == "ROW")
                for flag in [4, 5, 6, 7, 8] { #expect(try row.decode(flag, as: Int.self) == 1, "column \(flag)") }
                #expect(try row.decode(9, as: Int.self) == 128 << 20)
                #expect(try row.decode(10, as: String.self) == "utf8mb4")
                #expect(try row.decode(11, as: String.self) == "O_DIRECT")
            }
            // Password file is private; the admin account only exists for 127.0.0.1.
            let attributes = try FileManager.default.attributesOfItem(atPath: a.adminPasswordFile)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let db = try BlockingConnection.connect(a.adminConfiguration())
            let hosts = try db.query("SELECT Host FROM mysql.user WHERE User = \(a.adminUser)").rows.map { try $0.decode(0, as: String.self) }
            db.close()
            #expect(hosts == ["127.0.0.1"])
        } catch {
            try? await a.stop(); try? await b.stop()
            throw error
        }
        let directory = a.baseDirectory
        let pid = a.pid
        try await a.stop()
        try await b.stop()
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(kill(pid, 0) != 0, "process \(pid) is gone")
    }

    @Test func keptDataSurvivesARestart() async throws {
        let base = NSTemporaryDirectory() + "storefront-keep-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: base) }
        var options = MariaDBServer.Options()
        options.baseDirectory = base
        options.keepFiles = true
        let first = try await MariaDBServer.start(options)
        do {
            let db = try BlockingConnection.connect(first.adminConfiguration())
            try db.execute("CREATE DATABASE keep")
            try db.execute("CREATE TABLE keep.t (id INT PRIMARY KEY, at DATETIME(6))")
            try db.execute("INSERT INTO keep.t VALUES (1, \(MariaDBDateTime(year: 2026, month: 1, day: 2, microsecond: 7)))")
            db.close()
        } catch { try? await first.stop(); throw error }
        try await first.stop()
        let second = try await MariaDBServer.start(options)
        do {
            #expect(second.adminPassword == first.adminPassword)
            let db = try BlockingConnection.connect(second.adminConfiguration())
            defer { db.close() }
            let at = try db.query("SELECT at FROM keep.t WHERE id = 1").rows[0].decode(0, as: MariaDBDateTime.self)
            #expect(at.microsecond == 7)
        } catch { try? await second.stop(); throw error }
        try await second.stop()
        #expect(FileManager.default.fileExists(atPath: base + "/data"))
    }

    @Test func aServerThatCannotStartSaysWhyAndLeavesNothingRunning() async throws {
        var options = MariaDBServer.Options()
        options.overrides = [("innodb_page_size", "3K")]  // not a valid page size
        options.startTimeout = 30
        let error = try await #require(throws: MariaDBServerError.self) { try await MariaDBServer.start(options) }
        #expect(error.description.contains("mariadbd exited"), "\(error)")
    }

    /// Extra `my.cnf` settings reach the running server: here a server set up like MySQL 5.7 and hosted ones.
    @Test func aServerRunsWithExtraSettings() async throws {
        let server = try await MariaDBServer.start(.latin1Defaults)
        do {
            let db = try BlockingConnection.connect(server.adminConfiguration())
            defer { db.close() }
            let row = try db.query("""
                SELECT @@character_set_server, @@collation_server, @@default_storage_engine,
                       @@innodb_default_row_format, @@GLOBAL.sql_mode, @@GLOBAL.time_zone
                """).rows[0]
            let values = try (0..<6).map { try row.decode($0, as: String.self) }
            #expect(values == ["latin1", "latin1_swedish_ci", "MyISAM", "compact", "", "+05:30"])
        } catch { try? await server.stop(); throw error }
        try await server.stop()
    }

    @Test func aSettingThatWouldBreakTheConfigIsRefusedBeforeAnythingStarts() async throws {
        var options = MariaDBServer.Options()
        options.set("max_connections", "10\n[client]")
        let error = try await #require(throws: MariaDBServerError.self) { try await MariaDBServer.start(options) }
        #expect(error.description.contains("line break"), "\(error)")
    }

    @Test func aTakenPortIsReported() async throws {
        let first = try await MariaDBServer.start()
        do {
            var options = MariaDBServer.Options()
            options.port = first.port
            options.startTimeout = 30
            let error = try await #require(throws: MariaDBServerError.self) { try await MariaDBServer.start(options) }
            #expect(error.description.contains("\(first.port)"), "\(error)")
        } catch { try? await first.stop(); throw error }
        try await first.stop()
    }
}

@Suite struct OrphanReapingTests {
    @Test func serversLeftByADeadProcessAreKilledAndRemoved() throws {
        // A stand-in "server" process and a folder whose owner pid no longer exists.
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["60"]
        try sleeper.run()
        let base = NSTemporaryDirectory() + "storefront-mariadb-orphan\(UUID().uuidString.prefix(6).lowercased())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        try "\(dead.processIdentifier)\n".write(toFile: base + "/owner.pid", atomically: true, encoding: .utf8)
        try "\(sleeper.processIdentifier)\n".write(toFile: base + "/mariadb.pid", atomically: true, encoding: .utf8)
        let removed = MariaDBServer.reapOrphanedServers()
        sleeper.waitUntilExit()
        #expect(removed.contains(base))
        #expect(!FileManager.default.fileExists(atPath: base))
        #expect(sleeper.terminationReason == .uncaughtSignal)
    }
}
