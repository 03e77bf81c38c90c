import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Migration
import Testing

/// Any other application: a Django process keeps placing orders while `dbctl migrate --online
/// --cutover-hook` moves it. The hook flips the application's setting while dbctl holds SQLite's write lock.
@Suite(.mariaDB) struct DjangoCutOverTests {
    @Test func aDjangoApplicationMovesWithTheCutOverHook() throws {
        let python = try DjangoTests.python()
        let directory = NSTemporaryDirectory() + "django-online-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/shop.sqlite3"
        let sqlite = ["SHOP_DB": "sqlite", "SHOP_SQLITE": path]
        try DjangoTests().manage(python, ["migrate", "-v0"], database: sqlite)
        try DjangoTests().manage(python, ["fill", "--scale", "100"], database: sqlite)
        let target = try TestServer.freshDatabase("djonline")
        let mysql = try DjangoTests().mysqlEnvironment(target, directory: directory)
        try DjangoTests().manage(python, ["migrate", "-v0"], database: mysql)

        // The application: writes on SQLite until its setting says mysql.
        let switchFile = directory + "/database"
        try "sqlite\n".write(toFile: switchFile, atomically: true, encoding: .utf8)
        let out = directory + "/orders.txt"
        let stop = directory + "/stop"
        let app = Process()
        app.executableURL = URL(fileURLWithPath: python)
        app.arguments = ["manage.py", "orderloop", out, stop]
        app.currentDirectoryURL = URL(fileURLWithPath: DjangoTests.project)
        app.environment = ProcessInfo.processInfo.environment.merging(
            sqlite.merging([
                "SHOP_SECOND_MYSQL_CNF": mysql["SHOP_MYSQL_CNF"]!, "SHOP_SWITCH_FILE": switchFile,
            ]) { $1 }
        ) { $1 }
        app.standardOutput = FileHandle.nullDevice
        app.standardError = FileHandle.nullDevice
        try app.run()
        defer {
            if app.isRunning {
                kill(app.processIdentifier, SIGKILL)
                app.waitUntilExit()
            }
        }
        func lines() -> [String] {
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        let started = Date()
        while lines().count < 30 && Date().timeIntervalSince(started) < 60 { usleep(50_000) }

        let passwordFile = directory + "/pw"
        _ = FileManager.default.createFile(
            atPath: passwordFile, contents: Data((target.password ?? "").utf8), attributes: [.posixPermissions: 0o600])
        let url = "mysql://\(target.username)@127.0.0.1:\(target.port)/\(target.database!)"
        let (status, output) = try ProgramRunner.run(
            ResumeTests.dbctl,
            [
                "migrate", "--online", "--source", path, "--target", url, "--password-file", passwordFile,
                "--cutover-hook", "echo mysql > '\(switchFile)'", "--snapshot-file", directory + "/snap.sqlite",
                "--execute",
            ])
        #expect(status == 0, "\(output)")
        let cutOver = lines().count
        while lines().count < cutOver + 30 && Date().timeIntervalSince(started) < 120 { usleep(50_000) }
        _ = FileManager.default.createFile(atPath: stop, contents: Data())
        app.waitUntilExit()

        let records = lines()
        let errors = records.filter { $0.hasPrefix("error") }
        // A write that still reached SQLite after the switch was refused, saying where the data went.
        #expect(errors.allSatisfy { $0.contains("moved to MariaDB") }, "\(errors.prefix(3))")
        let acknowledged = records.compactMap { line -> Int? in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] != "error" ? Int(parts[1]) : nil
        }
        #expect(records.contains { $0.hasPrefix("default ") } && records.contains { $0.hasPrefix("mariadb ") })
        #expect(Set(acknowledged).count == acknowledged.count, "an order id was handed out twice")
        let present = Set(
            try query(target, "SELECT o.id FROM catalog_order o JOIN catalog_orderline l ON l.order_id = o.id").map {
                try $0.decode(0, as: Int.self)
            })
        let missing = acknowledged.filter { !present.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged orders missing on MariaDB")
    }
}
