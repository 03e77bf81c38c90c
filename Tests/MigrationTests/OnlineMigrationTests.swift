import Foundation
import MariaDB
import MariaDBTestSupport
import Migration
import Storefront
import Testing

/// A writer that keeps changing the shop's SQLite file the way an application does (its own connection,
/// `BEGIN IMMEDIATE`, a busy timeout) until it is stopped or the file refuses writes.
final class SQLiteWriter: @unchecked Sendable {
    private let lock = NSLock()
    private var _committed: [String] = []
    private var _stoppedBy: String?
    private var stop = false
    private let done = DispatchSemaphore(value: 0)

    var committed: [String] {
        lock.lock()
        defer { lock.unlock() }
        return _committed
    }
    var stoppedBy: String? {
        lock.lock()
        defer { lock.unlock() }
        return _stoppedBy
    }

    init(path: String, products: Int, reviews: Int) {
        Thread.detachNewThread { [self] in
            defer { done.signal() }
            do {
                let file = try SQLiteSource(path: path, writable: true, busyTimeoutMilliseconds: 5_000)
                defer { file.close() }
                var n = 0
                while !(lock.withLock { stop }) {
                    n += 1
                    let email = "writer\(n)-\(UUID().uuidString.prefix(6))@example.org"
                    do {
                        try file.executeScript("BEGIN IMMEDIATE")
                        try file.execute(
                            "INSERT INTO customers (email, name, created_at) VALUES (?, ?, ?)",
                            binds: [
                                .text(Array(email.utf8)), .text(Array("Writer \(n)".utf8)),
                                .real(Date().timeIntervalSince1970),
                            ])
                        try file.execute(
                            "UPDATE products SET stock = stock + 1 WHERE id = ?",
                            binds: [.integer(Int64(1 + n % products))])
                        try file.execute(
                            "DELETE FROM reviews WHERE id = ?", binds: [.integer(Int64(1 + (n * 7) % reviews))])
                        if n % 25 == 0 {  // a key change: logged as the old key's delete and the new key's upsert
                            try file.execute(
                                "UPDATE reviews SET id = id + 1000000 WHERE id = (SELECT min(id) FROM reviews WHERE "
                                    + "id < 1000000)"
                            )
                        }
                        try file.executeScript("COMMIT")
                        lock.withLock { _committed.append(email) }
                    } catch {
                        try? file.executeScript("ROLLBACK")
                        lock.withLock { _stoppedBy = "\(error)" }
                        return
                    }
                    usleep(2_000)
                }
            } catch {
                lock.withLock { _stoppedBy = "\(error)" }
            }
        }
    }

    /// Stops (if still running) and waits for the thread.
    func finish() {
        lock.withLock { stop = true }
        done.wait()
        done.signal()
    }

    func waitUntil(committed count: Int, timeout: Double = 60) {
        let deadline = Date().addingTimeInterval(timeout)
        while committed.count < count && stoppedBy == nil && Date() < deadline { usleep(10_000) }
    }
}

/// `dbctl migrate --online` on the shop's own database while a writer keeps changing it.
@Suite(.mariaDB) struct OnlineMigrationTests {
    struct Shop {
        let path: String
        let target: MariaDBConfiguration
        let directory: String
        func remove() {
            for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// A seeded SQLite shop and an empty MariaDB database with the shop's schema.
    static func shop(scale: Int = 300) async throws -> Shop {
        let path = try await StorefrontMigrationTests.seededShop(scale: scale)
        let target = try TestServer.freshDatabase("online")
        let db = StorefrontDatabase(
            StorefrontConfiguration(database: .mariaDB(MariaDBConfigurationBox(target)), poolMinimum: 0))
        do { try await db.migrate() } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
        let directory = NSTemporaryDirectory() + "online-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return Shop(path: path, target: target, directory: directory)
    }

    static func session(_ shop: Shop) -> MigrationSession {
        MigrationSession(sourcePath: shop.path, target: shop.target)
    }

    static func options(_ shop: Shop, hook: String = "true", postpone: Bool) -> OnlineOptions {
        var options = OnlineOptions()
        options.hooks.cutOver = hook
        options.snapshotPath = shop.directory + "/snapshot.sqlite"
        options.progressInterval = 0.2
        if postpone {
            options.postponeFlagFile = shop.directory + "/postpone"
            _ = FileManager.default.createFile(atPath: options.postponeFlagFile!, contents: Data())
        }
        return options
    }

    static func toolObjects(_ path: String) throws -> [String] {
        let file = try SQLiteSource(path: path)
        defer { file.close() }
        return try file.rows("SELECT name FROM sqlite_master WHERE name LIKE '\\_dbctl\\_%' ESCAPE '\\'").map {
            if case .text(let b) = $0[0] { return String(decoding: b, as: UTF8.self) }
            return "?"
        }
    }

    @Test func cutOverWhileAWriterKeepsWritingLosesNothing() async throws {
        let shop = try await Self.shop()
        defer { shop.remove() }
        let writer = SQLiteWriter(path: shop.path, products: 300, reviews: 150)
        defer { writer.finish() }
        writer.waitUntil(committed: 20)
        var options = Self.options(shop, postpone: true)
        let successFile = shop.directory + "/success"
        options.hooks.success = "echo \"$DBCTL_EVENT $DBCTL_PAUSE_MS $DBCTL_TARGET\" > '\(successFile)'"
        // The cut-over may start once the writer has done plenty of work during the window.
        let flag = options.postponeFlagFile!
        Thread.detachNewThread {
            writer.waitUntil(committed: 300)
            try? FileManager.default.removeItem(atPath: flag)
        }
        let migration = OnlineMigration(session: Self.session(shop), options: options)
        let inspection = try migration.inspect()
        #expect(inspection.failed.isEmpty, "\(inspection.failed)")
        let lines = Collected<String>()
        let report = try migration.run(inspection, copyOptions: MigrationOptions()) { lines.append($0) }
        writer.finish()
        #expect(report.copy?.verified == true)
        #expect(report.appliedChanges > 300, "\(report.text)")
        let pause = try #require(report.pauseMs)
        #expect(pause < 500, "\(report.text)")
        let lag = try #require(report.lagAtCutOver, "the report names the lag")
        #expect(lag <= options.maxLagRows && (report.oldestSecondsAtCutOver ?? -1) >= 0, "\(report.text)")
        #expect(report.text.contains("lag when the cut-over started: \(lag) changes waiting"), "\(report.text)")
        // The writer was stopped by the fence, with a message that says where the data went.
        #expect(writer.stoppedBy?.contains("moved to MariaDB") == true, "\(writer.stoppedBy ?? "still running")")
        // Every transaction the writer committed is on MariaDB, and both sides are identical.
        let emails = Set(
            try query(shop.target, "SELECT email FROM customers").map { try $0.decode(0, as: String.self) })
        let missing = writer.committed.filter { !emails.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) committed customers missing on MariaDB")
        let verification = try Verifier(plan: inspection.plan, target: shop.target).verifyAll()
        let different = verification.filter { !$0.identical }.map(\.table)
        #expect(different.isEmpty, "\(different)")
        #expect(!FileManager.default.fileExists(atPath: options.snapshotPath!))
        let status = try OnlineMaintenance.status(target: shop.target, sourcePath: nil)
        #expect(status.phase == "cut_over")
        // The success hook saw the event, the pause and the target's endpoint (never a password).
        let hookSaw = try String(contentsOfFile: successFile, encoding: .utf8).split(separator: " ")
        #expect(hookSaw.first == "success" && Double(hookSaw.dropFirst().first ?? "") != nil, "\(hookSaw)")
        #expect(hookSaw.last.map(String.init)?.hasPrefix(shop.target.endpoint) == true, "\(hookSaw)")
        // Finish closes the window: capture gone on both sides, the fence stays.
        _ = try OnlineMaintenance.finish(sourcePath: shop.path, target: shop.target, execute: true)
        let remaining = try Self.toolObjects(shop.path)
        #expect(
            remaining.allSatisfy {
                $0.hasPrefix(Fence.triggerPrefix) || $0 == Fence.bypassTable || $0 == Fence.messageTable
            }, "\(remaining)")
        let left = try query(
            shop.target,
            """
            SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_dbctl%'
            """
        )
        #expect(left.isEmpty)
    }

    @Test func aSchemaChangeDuringTheWindowStopsCleanlyAndAbortRestoresTheFile() async throws {
        let shop = try await Self.shop()
        defer { shop.remove() }
        let options = Self.options(shop, postpone: true)
        let migration = OnlineMigration(session: Self.session(shop), options: options)
        let inspection = try migration.inspect()
        let lines = Collected<String>()
        Thread.detachNewThread {
            // Once changes are being applied, the application alters a table (as a deploy would).
            let deadline = Date().addingTimeInterval(60)
            while !lines.all.contains(where: { $0.hasPrefix("applying") }) && Date() < deadline { usleep(10_000) }
            if let file = try? SQLiteSource(path: shop.path, writable: true) {
                try? file.executeScript("ALTER TABLE reviews ADD COLUMN helpful INTEGER")
                file.close()
            }
        }
        let error = #expect(throws: MigrationError.self) {
            try migration.run(inspection, copyOptions: MigrationOptions()) { lines.append($0) }
        }
        #expect(error?.message.contains("table reviews was altered") == true, "\(String(describing: error))")
        #expect(try OnlineMaintenance.status(target: shop.target, sourcePath: nil).phase == "applying")
        // A dry run changes nothing; the abort removes every trace of the capture.
        _ = try OnlineMaintenance.abort(sourcePath: shop.path, target: shop.target, execute: false)
        #expect(!(try Self.toolObjects(shop.path)).isEmpty)
        _ = try OnlineMaintenance.abort(sourcePath: shop.path, target: shop.target, execute: true)
        #expect(try Self.toolObjects(shop.path).isEmpty)
        let file = try SQLiteSource(path: shop.path, writable: true)
        defer { file.close() }
        #expect(try file.execute("UPDATE products SET stock = stock + 1 WHERE id = 1") == 1)  // no fence, no capture
    }

    /// A pause budget no attempt can meet: each attempt backs off (the shop thawed on SQLite, nothing fenced),
    /// the before-cut-over hook runs before each, the run gives up after `maxAttempts` naming the last reason,
    /// the change log was trimmed behind the applier meanwhile, and the same migration with a real budget then
    /// cuts over without losing a committed row.
    @Test func anImpossiblePauseBudgetBacksOffAndARerunCutsOver() async throws {
        let shop = try await Self.shop()
        defer { shop.remove() }
        let writer = SQLiteWriter(path: shop.path, products: 300, reviews: 150)
        defer { writer.finish() }
        writer.waitUntil(committed: 20)
        var options = Self.options(shop, postpone: true)
        options.maxPauseMs = 1
        options.maxAttempts = 2
        // Applying for a few seconds first, while the writer writes: the log is trimmed once a second.
        let flag = options.postponeFlagFile!
        Thread.detachNewThread {
            usleep(2_500_000)
            try? FileManager.default.removeItem(atPath: flag)
        }
        let beforeFile = shop.directory + "/before"
        options.hooks.beforeCutOver = "echo \"$DBCTL_EVENT $DBCTL_ATTEMPT $DBCTL_PENDING_CHANGES\" >> '\(beforeFile)'"
        let migration = OnlineMigration(session: Self.session(shop), options: options)
        let inspection = try migration.inspect()
        let lines = Collected<String>()
        let error = try #require(throws: MigrationError.self) {
            try migration.run(inspection, copyOptions: MigrationOptions()) { lines.append($0) }
        }
        #expect(error.message.contains("the cut-over backed off 2 times"), "\(error)")
        #expect(error.message.contains("took the pause past 1 ms"), "\(error)")
        let backedOff = lines.all.filter { $0.contains("backed off after") }
        #expect(backedOff.count == 2, "\(lines.all.suffix(5))")
        #expect(backedOff.first?.contains("retrying in 0.5 s") == true, "\(backedOff)")
        let hooks = try String(contentsOfFile: beforeFile, encoding: .utf8).split(separator: "\n")
        #expect(
            hooks.count == 2 && hooks[0].hasPrefix("before-cut-over 1 ") && hooks[1].hasPrefix("before-cut-over 2 "))
        let file = try SQLiteSource(path: shop.path, writable: true)
        #expect(!(try Fence.isInstalled(file)), "nothing fenced: the shop writes on SQLite")
        // Trimmed: the log no longer holds the changes right after the snapshot.
        let admin = try BlockingConnection.connect(shop.target)
        let snapshot = Int64(try OnlineState.all(on: admin)["snapshot_position"] ?? "") ?? -1
        admin.close()
        let oldest = try file.rows("SELECT MIN(seq) FROM \(ChangeCapture.changeTable)").first?.first
        let seq: Int64 = {
            if case .integer(let value)? = oldest { return value }
            return .max  // an empty log: everything was trimmed
        }()
        #expect(seq > snapshot + 1, "trimmed: oldest \(seq), snapshot \(snapshot)")
        file.close()

        options.maxPauseMs = 500
        options.hooks.beforeCutOver = nil
        options.postponeFlagFile = nil
        let again = OnlineMigration(session: Self.session(shop), options: options)
        let report = try again.run(try again.inspect(), copyOptions: MigrationOptions()) { _ in }
        writer.finish()
        #expect(report.resumed && report.pauseMs != nil, "\(report.text)")
        let emails = Set(
            try query(shop.target, "SELECT email FROM customers").map { try $0.decode(0, as: String.self) })
        #expect(writer.committed.allSatisfy(emails.contains), "every committed row is on MariaDB")
    }

    @Test func aFailingCutOverHookLeavesTheShopOnSQLite() async throws {
        let shop = try await Self.shop(scale: 100)
        defer { shop.remove() }
        var options = Self.options(shop, hook: "echo cannot reload >&2; exit 3", postpone: false)
        options.maxAttempts = 1
        let failureFile = shop.directory + "/failure"
        options.hooks.failure = "echo \"$DBCTL_EVENT: $DBCTL_ERROR\" > '\(failureFile)'"
        let migration = OnlineMigration(session: Self.session(shop), options: options)
        let inspection = try migration.inspect()
        #expect(throws: MigrationError.self) {
            try migration.run(inspection, copyOptions: MigrationOptions()) { _ in }
        }
        let failure = try String(contentsOfFile: failureFile, encoding: .utf8)
        #expect(failure.hasPrefix("failure: hook cut-over: exit status 3: cannot reload"), "\(failure)")
        // Not fenced: the application keeps writing to SQLite, and its changes are still captured.
        let file = try SQLiteSource(path: shop.path, writable: true)
        defer { file.close() }
        #expect(!(try Fence.isInstalled(file)))
        #expect(try file.execute("UPDATE products SET stock = stock + 1 WHERE id = 1") == 1)
        #expect(try ChangeLog.lag(after: 0, on: file).pending >= 1)
    }
}

@Suite(.mariaDB) struct OnlineChecksTests {
    @Test func aSourceWithItsOwnTriggersOrWithoutKeysIsRefusedByName() throws {
        let fixture = try SQLiteFixture(
            """
            CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, updated TEXT);
            CREATE TABLE log (at TEXT, what TEXT);
            CREATE TRIGGER items_touch AFTER UPDATE ON items BEGIN INSERT INTO log VALUES (datetime('now'), NEW.name); END;
            INSERT INTO items VALUES (1, 'a', NULL);
            CREATE VIRTUAL TABLE notes USING fts5(body);
            """)
        defer { fixture.remove() }
        var options = OnlineOptions()
        options.hooks.cutOver = "true"
        let migration = OnlineMigration(
            session: MigrationSession(sourcePath: fixture.path, target: try TestServer.freshDatabase("onlinechk")),
            options: options)
        let failed = try migration.inspect().failed
        let triggers = failed.first { $0.name == "online.triggers" }
        #expect(triggers?.detail.contains("items_touch") == true, "\(failed)")
        #expect(failed.first { $0.name == "online.virtual_tables" }?.detail.contains("notes") == true, "\(failed)")
        let keys = failed.first { $0.name == "online.keys" }
        #expect(keys?.detail.contains("log (no primary key)") == true, "\(failed)")
    }
}

@Suite(.mariaDB) struct ChangeApplierTests {
    /// A unique value moves from one row to another across batches: the row still holding it on the
    /// target joins the batch instead of the insert failing (or, with ON DUPLICATE KEY UPDATE, overwriting it).
    @Test func aUniqueValueMovingBetweenRowsAcrossBatchesIsApplied() throws {
        let fixture = try SQLiteFixture(
            """
            PRAGMA journal_mode = WAL;
            CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT);
            INSERT INTO users VALUES (1, 'x@example.org', 'A');
            """)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("clash")
        var session = MigrationSession(sourcePath: fixture.path, target: target)
        session.schema = .generic
        let inspection = try session.inspect()
        let report = try session.execute(
            inspection, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.verified)
        let live = try SQLiteSource(path: fixture.path, writable: true)
        defer { live.close() }
        let plan = inspection.plan
        try ChangeCapture(tables: plan.tables).install(on: live, target: target.endpoint)
        try live.execute("INSERT INTO users VALUES (3, 'z@example.org', 'C')")
        try live.execute("UPDATE users SET email = 'w@example.org' WHERE id = 1")
        try live.execute("UPDATE users SET email = 'x@example.org' WHERE id = 3")
        let connection = try BlockingConnection.connect(target)
        try OnlineState.create(on: connection)
        connection.close()
        let applier = try ChangeApplier(plan: plan, target: target, position: 0)
        defer { applier.close() }
        // One change per batch: the first batch names only row 3, whose current email row 1 still holds.
        var batches = 0
        while try applier.applyNext(from: live, limit: 1).changes > 0 { batches += 1 }
        #expect(batches == 3)
        let rows = try query(target, "SELECT id, email FROM users ORDER BY id").map {
            "\(try $0.decode(0, as: Int.self)) \(try $0.decode(1, as: String.self))"
        }
        #expect(rows == ["1 w@example.org", "3 x@example.org"])
        let different = try Verifier(plan: plan, target: target).verifyAll().filter { !$0.identical }.map(\.table)
        #expect(different.isEmpty)
    }
}
