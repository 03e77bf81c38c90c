import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Migration
import Storefront
import Testing

/// Two running storefront instances on one SQLite file, taking orders the whole time: `dbctl migrate
/// --online` moves them to MariaDB, `dbctl rollback` brings them back. No request fails, no acknowledged
/// order is lost, in either direction.
@Suite(.mariaDB) struct OnlineCutOverTests {
    static func orders(_ ids: [Int], missingFrom target: MariaDBConfiguration) throws -> [Int] {
        var present = Set<Int>()
        for row in try query(
            target,
            """
            SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)
              AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'captured')
            """)
        { present.insert(try row.decode(0, as: Int.self)) }
        return ids.filter { !present.contains($0) }
    }

    static func orders(_ ids: [Int], missingFrom path: String) throws -> [Int] {
        let file = try SQLiteSource(path: path)
        defer { file.close() }
        var present = Set<Int>()
        for row in try file.rows(
            """
            SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id)
              AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'captured')
            """)
        { if case .integer(let id) = row[0] { present.insert(Int(id)) } }
        return ids.filter { !present.contains($0) }
    }

    @Test func twoInstancesMoveToMariaDBAndBackUnderLoad() async throws {
        let dbctl = ResumeTests.dbctl
        let storefront = URL(fileURLWithPath: dbctl).deletingLastPathComponent().appendingPathComponent("storefront")
            .path
        try #require(
            FileManager.default.isExecutableFile(atPath: storefront), "\(storefront) missing: build the package first")
        let shop = try await OnlineMigrationTests.shop(scale: 300)
        defer { shop.remove() }
        let passwordFile = shop.directory + "/pw"
        let keyFile = shop.directory + "/admin.key"
        _ = FileManager.default.createFile(
            atPath: passwordFile, contents: Data((shop.target.password ?? "").utf8),
            attributes: [.posixPermissions: 0o600])
        _ = FileManager.default.createFile(
            atPath: keyFile, contents: Data(ShopLoad.adminKey.utf8), attributes: [.posixPermissions: 0o600])
        let environment = [
            "DATABASE_URL": "sqlite://" + shop.path, "ADMIN_API_KEY": ShopLoad.adminKey,
            "DATABASE_PASSWORD_FILE": passwordFile, "STOREFRONT_ENV": "development", "PASSWORD_HASH_COST": "4",
        ]
        let a = try ShopProcess(binary: storefront, environment: environment, folder: shop.directory, name: "a")
        defer { a.stop() }
        let b = try ShopProcess(binary: storefront, environment: environment, folder: shop.directory, name: "b")
        defer { b.stop() }
        let url = "mysql://\(shop.target.username)@127.0.0.1:\(shop.target.port)/\(shop.target.database!)"
        let common = [
            "--source", shop.path, "--target", url, "--password-file", passwordFile, "--app", a.url, "--app", b.url,
            "--app-key-file", keyFile,
        ]

        // Orders flow through both instances during the whole online migration.
        let load = ShopLoad(urls: [a.url, b.url], workersPerInstance: 2, products: 300)
        defer { if !load.isStopped { load.stop() } }
        while load.acknowledged.count < 20 && load.failed.isEmpty { usleep(20_000) }
        let dry = try ProgramRunner.run(
            dbctl, ["migrate", "--online"] + common + ["--snapshot-file", shop.directory + "/snap.sqlite"])
        #expect(dry.0 == 0 && dry.1.contains("dry run: nothing was written"), "\(dry.1)")
        let reportPath = shop.directory + "/online.json"
        let (status, output) = try ProgramRunner.run(
            dbctl,
            ["migrate", "--online"] + common + [
                "--snapshot-file", shop.directory + "/snap.sqlite", "--execute", "--report", reportPath,
            ])
        #expect(status == 0, "\(output)")
        let report = try JSONDecoder().decode(
            OnlineReport.self, from: Data(contentsOf: URL(fileURLWithPath: reportPath)))
        let pause = try #require(report.pauseMs)
        #expect(pause < 500, "\(report.text)")
        for shopProcess in [a, b] {
            let state = try shopProcess.state()
            #expect(state["backend"] as? String == "mariadb", "\(state)")
            #expect(state["generation"] as? Int == 1)
        }
        // The shop keeps selling on MariaDB; then everything acknowledged so far is there, with lines and payment.
        let atCutOver = load.acknowledged.count
        while load.acknowledged.count < atCutOver + 20 && load.failed.isEmpty { usleep(20_000) }
        let beforeRollback = load.acknowledged
        #expect(try Self.orders(beforeRollback, missingFrom: shop.target).isEmpty)
        let window = try OnlineMaintenance.status(target: shop.target, sourcePath: nil)
        #expect(window.phase == "cut_over" && (window.changesSinceCutOver ?? 0) > 0, "\(window.text)")
        let sqliteWrite = try SQLiteSource(path: shop.path, writable: true)
        #expect(throws: MigrationError.self) { try sqliteWrite.execute("UPDATE products SET stock = 0 WHERE id = 1") }
        sqliteWrite.close()
        // A restarted instance still configured for the fenced file refuses to start, saying where the shop went.
        let stale = #expect(throws: LoadError.self) {
            try ShopProcess(binary: storefront, environment: environment, folder: shop.directory, name: "stale")
        }
        #expect(stale?.description.contains("moved to MariaDB") == true, "\(String(describing: stale))")

        // Back to SQLite under the same load: every order placed on MariaDB arrives.
        let (back, backOutput) = try ProgramRunner.run(dbctl, ["rollback"] + common + ["--execute"])
        #expect(back == 0, "\(backOutput)")
        for shopProcess in [a, b] {
            let state = try shopProcess.state()
            #expect(state["backend"] as? String == "sqlite", "\(state)")
            #expect(state["generation"] as? Int == 2)
        }
        let afterRollback = load.acknowledged.count
        while load.acknowledged.count < afterRollback + 20 && load.failed.isEmpty { usleep(20_000) }
        load.stop()
        #expect(load.failed.isEmpty, "\(load.failed.prefix(5))")
        #expect(try Self.orders(load.acknowledged, missingFrom: shop.path).isEmpty)
        // Every order placed while the shop ran on MariaDB is on SQLite; the file carries no tool object.
        #expect(try Self.orders(beforeRollback, missingFrom: shop.path).isEmpty)
        #expect(try OnlineMigrationTests.toolObjects(shop.path).isEmpty)
        #expect(try OnlineMaintenance.status(target: shop.target, sourcePath: nil).phase == "rolled_back")
    }

    @Test func killedWhileHoldingTheWritesTheLeaseOpensTheGatesAndARerunFinishes() async throws {
        let dbctl = ResumeTests.dbctl
        let storefront = URL(fileURLWithPath: dbctl).deletingLastPathComponent().appendingPathComponent("storefront")
            .path
        try #require(
            FileManager.default.isExecutableFile(atPath: storefront), "\(storefront) missing: build the package first")
        let shop = try await OnlineMigrationTests.shop(scale: 300)
        defer { shop.remove() }
        let instances = try TwoInstances(shop, storefront: storefront)
        defer { instances.stop() }
        let (a, b, passwordFile, keyFile, url) = (
            instances.a, instances.b, instances.passwordFile, instances.keyFile, instances.url
        )
        let common = [
            "migrate", "--online", "--source", shop.path, "--target", url, "--password-file", passwordFile, "--app",
            a.url,
            "--app", b.url, "--app-key-file", keyFile, "--snapshot-file", shop.directory + "/snap.sqlite", "--execute",
        ]
        let load = ShopLoad(urls: [a.url, b.url], workersPerInstance: 2, products: 300)
        defer { if !load.isStopped { load.stop() } }
        while load.acknowledged.count < 20 && load.failed.isEmpty { usleep(20_000) }

        // The hook runs while every instance is frozen and dbctl holds SQLite's lock: kill dbctl there.
        let holding = shop.directory + "/holding"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dbctl)
        process.arguments = common + ["--lease-ms", "1500", "--cutover-hook", "touch '\(holding)'; sleep 6"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: holding) && process.isRunning && Date() < deadline {
            usleep(5_000)
        }
        #expect(FileManager.default.fileExists(atPath: holding), "the cut-over was never reached")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let killedAt = load.acknowledged.count
        let waitStarted = Date()
        while load.acknowledged.count < killedAt + 20 && Date().timeIntervalSince(waitStarted) < 20 { usleep(20_000) }
        #expect(load.acknowledged.count >= killedAt + 20, "orders did not resume after the lease")
        for shopProcess in [a, b] {
            let state = try shopProcess.state()
            #expect(state["backend"] as? String == "sqlite" && state["frozen"] as? Bool == false, "\(state)")
            #expect(state["lease_expiries"] as? Int == 1, "\(state)")
        }
        // The same command finishes the job.
        let (status, output) = try ProgramRunner.run(dbctl, common)
        #expect(status == 0, "\(output)")
        for shopProcess in [a, b] { #expect(try shopProcess.state()["backend"] as? String == "mariadb") }
        let after = load.acknowledged.count
        while load.acknowledged.count < after + 10 && load.failed.isEmpty { usleep(20_000) }
        load.stop()
        #expect(load.failed.isEmpty, "\(load.failed.prefix(5))")
        #expect(try Self.orders(load.acknowledged, missingFrom: shop.target).isEmpty)

        // A rollback killed right after lifting the fence (before switching) leaves the file unfenced but
        // marked cut over: the next rollback fences it again first, then brings every order back.
        let file = try SQLiteSource(path: shop.path, writable: true)
        try file.executeScript("BEGIN IMMEDIATE;\n" + (try Fence.removeScript(file)) + "COMMIT;")
        file.close()
        let back = try ProgramRunner.run(
            dbctl,
            [
                "rollback", "--source", shop.path, "--target", url, "--password-file", passwordFile, "--app", a.url,
                "--app", b.url, "--app-key-file", keyFile, "--execute",
            ])
        #expect(back.0 == 0 && back.1.contains("interrupted rollback"), "\(back.1)")
        #expect(try Self.orders(load.acknowledged, missingFrom: shop.path).isEmpty)
        for shopProcess in [a, b] { #expect(try shopProcess.state()["backend"] as? String == "sqlite") }
    }

    @Test func theFenceMessageIsTheOneTheShopRecognises() {
        #expect(Fence.message(target: "db:3306").hasPrefix(FencedWrite.messagePrefix))
    }

    /// dbctl killed after SQLite was fenced and one of two instances had switched: the other's lease runs
    /// out and it is left on the fenced file, refusing writes. The same command finishes the cut-over (only
    /// the instance left behind is switched), no acknowledged order is lost, and the way back still works.
    @Test func killedAfterTheFenceARerunSwitchesTheInstanceLeftBehind() async throws {
        let dbctl = ResumeTests.dbctl
        let storefront = URL(fileURLWithPath: dbctl).deletingLastPathComponent().appendingPathComponent("storefront")
            .path
        let shop = try await OnlineMigrationTests.shop(scale: 300)
        defer { shop.remove() }
        let instances = try TwoInstances(shop, storefront: storefront)
        defer { instances.stop() }
        let (a, b, passwordFile, keyFile, url) = (
            instances.a, instances.b, instances.passwordFile, instances.keyFile, instances.url
        )
        let apps = ["--app", a.url, "--app", b.url, "--app-key-file", keyFile]
        let common =
            ["migrate", "--online", "--source", shop.path, "--target", url, "--password-file", passwordFile] + apps
            + ["--snapshot-file", shop.directory + "/snap.sqlite", "--lease-ms", "1500"]
        let load = ShopLoad(urls: [a.url, b.url], workersPerInstance: 2, products: 300)
        defer { if !load.isStopped { load.stop() } }
        while load.acknowledged.count < 20 && load.failed.isEmpty { usleep(20_000) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: dbctl)
        process.arguments = common + ["--execute"]
        process.environment = ProcessInfo.processInfo.environment.merging(["DBCTL_FAILPOINT": "after-first-switch"]) {
            $1
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "dbctl was killed at the failpoint")
        usleep(2_000_000)  // past the lease
        #expect(try a.state()["backend"] as? String == "mariadb", "the first instance had switched")
        let leftBehind = try b.state()
        #expect(leftBehind["backend"] as? String == "sqlite" && leftBehind["frozen"] as? Bool == false, "\(leftBehind)")
        // Stranded: the switched instance takes orders, the other's writes are refused (and change nothing).
        let killedAt = load.acknowledged.count
        let strandedSince = Date()
        while (load.acknowledged.count < killedAt + 10 || !load.failed.contains(where: { $0.contains("503") }))
            && Date().timeIntervalSince(strandedSince) < 30
        {
            usleep(20_000)
        }
        #expect(load.acknowledged.count >= killedAt + 10, "orders go on through the switched instance")

        // The dry run says what is left; the same command finishes it.
        let (planned, plan) = try ProgramRunner.run(dbctl, common)
        #expect(planned == 0 && plan.contains("online.interrupted"), "\(plan)")
        #expect(plan.contains("app \(b.url): still on the fenced"), "\(plan)")
        #expect(plan.contains("app \(a.url): already on mariadb"), "\(plan)")
        let (status, output) = try ProgramRunner.run(dbctl, common + ["--execute"])
        #expect(status == 0 && output.contains("finished the interrupted cut-over"), "\(output)")
        for shopProcess in [a, b] { #expect(try shopProcess.state()["backend"] as? String == "mariadb") }
        #expect(try OnlineMaintenance.status(target: shop.target, sourcePath: nil).phase == "cut_over")
        let after = load.acknowledged.count
        let failedWhileStranded = load.failed.count
        while load.acknowledged.count < after + 20 && load.failed.count == failedWhileStranded { usleep(20_000) }
        load.stop()
        let stranded = load.failed.prefix(failedWhileStranded)
        #expect(!stranded.isEmpty, "the instance left behind refused writes while stranded")
        #expect(stranded.allSatisfy { $0.contains("503") && $0.contains("database_fenced") }, "\(stranded.prefix(3))")
        #expect(stranded.allSatisfy { $0.contains(b.url) }, "only the instance left behind refused writes")
        #expect(load.failed.count == failedWhileStranded, "none once finished: \(load.failed.suffix(3))")
        #expect(try Self.orders(load.acknowledged, missingFrom: shop.target).isEmpty)

        // The way back works after the recovery: every order returns to SQLite.
        let back = try ProgramRunner.run(
            dbctl,
            ["rollback", "--source", shop.path, "--target", url, "--password-file", passwordFile] + apps
                + ["--execute"])
        #expect(back.0 == 0, "\(back.1)")
        #expect(try Self.orders(load.acknowledged, missingFrom: shop.path).isEmpty)
        for shopProcess in [a, b] { #expect(try shopProcess.state()["backend"] as? String == "sqlite") }
    }
}

/// Two `storefront serve` instances on a test shop's SQLite file, with the files an operator gives dbctl: the
/// target's password and the instances' admin key (0600), and the target's URL without the password.
struct TwoInstances {
    let a: ShopProcess
    let b: ShopProcess
    let passwordFile: String
    let keyFile: String
    let url: String

    init(_ shop: OnlineMigrationTests.Shop, storefront: String) throws {
        passwordFile = shop.directory + "/pw"
        keyFile = shop.directory + "/admin.key"
        _ = FileManager.default.createFile(
            atPath: passwordFile, contents: Data((shop.target.password ?? "").utf8),
            attributes: [.posixPermissions: 0o600])
        _ = FileManager.default.createFile(
            atPath: keyFile, contents: Data(ShopLoad.adminKey.utf8), attributes: [.posixPermissions: 0o600])
        let environment = [
            "DATABASE_URL": "sqlite://" + shop.path, "ADMIN_API_KEY": ShopLoad.adminKey,
            "DATABASE_PASSWORD_FILE": passwordFile,
        ]
        a = try ShopProcess(binary: storefront, environment: environment, folder: shop.directory, name: "a")
        do {
            b = try ShopProcess(binary: storefront, environment: environment, folder: shop.directory, name: "b")
        } catch {
            a.stop()
            throw error
        }
        url = "mysql://\(shop.target.username)@127.0.0.1:\(shop.target.port)/\(shop.target.database!)"
    }

    func stop() {
        a.stop()
        b.stop()
    }
}
