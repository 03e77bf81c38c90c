import ArgumentParser
import Foundation
import MariaDB
import MariaDBServer

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Start a throw-away MariaDB, exercise the client against it, stop it.")

    @Option(help: "Rows to bulk-load and stream back.") var rows: Int = 100_000

    func run() async throws {
        let clock = ContinuousClock()
        var started = clock.now
        print("▸ starting a private MariaDB on 127.0.0.1 (test profile)…")
        let server = try await MariaDBServer.start()
        do {
            print("  ready on port \(server.port) in \(started.duration(to: clock.now))")
            let db = try await MariaDBConnection.connect(server.adminConfiguration())
            print("▸ connected: \(db.serverVersion), session time_zone UTC, strict sql_mode")
            try await db.execute("CREATE DATABASE demo")
            try await db.execute("""
                CREATE TABLE demo.products (id BIGINT PRIMARY KEY, title VARCHAR(200) NOT NULL,
                  price DECIMAL(12,2) NOT NULL, created DATETIME(6) NOT NULL, attributes JSON)
                """)
            started = clock.now
            let count = rows
            let base = MariaDBDateTime(year: 2026, month: 11, day: 25, hour: 12)
            let metadata = try await db.withHandle { connection -> QueryMetadata in
                var next = 0
                return try connection.loadData(LoadDataStatement(schema: "demo", table: "products"), from: RowInfileSource {
                    guard next < count else { return nil }
                    next += 1
                    var created = base
                    created.microsecond = next % 1_000_000
                    return [.int(Int64(next)), .string("Produkt №\(next) — café"), .decimal(MariaDBDecimal("\(next % 1000).\(next % 100 < 10 ? "0" : "")\(next % 100)")!),
                            .datetime(created), .string("{\"color\":\"blue\",\"n\":\(next)}")]
                })
            }
            let loadTime = started.duration(to: clock.now)
            print("▸ LOAD DATA LOCAL INFILE streamed from Swift: \(metadata.affectedRows) rows in \(loadTime)")
            let id = Int64(count / 2)
            let row = try await db.query("SELECT id, title, price, created FROM demo.products WHERE id = \(id)").rows[0]
            print("▸ prepared point select (id bound, not spliced): \(try row.decode("title", as: String.self)) · price \(try row.decode("price", as: MariaDBDecimal.self)) · created \(try row.decode("created", as: MariaDBDateTime.self))")
            started = clock.now
            let total = try await db.withHandle { connection -> (Int, MariaDBDecimal) in
                var n = 0
                var cents: Int64 = 0
                try connection.stream("SELECT price FROM demo.products") { row in
                    n += 1
                    let text = try row.decode(0, as: MariaDBDecimal.self).text
                    cents += Int64(text.replacingOccurrences(of: ".", with: ""))!
                }
                return (n, MariaDBDecimal("\(cents / 100).\(String(cents % 100).count == 1 ? "0" : "")\(cents % 100)")!)
            }
            let sum = try await db.query("SELECT SUM(price) AS total FROM demo.products").rows[0].decode("total", as: MariaDBDecimal.self)
            print("▸ streamed \(total.0) rows in \(started.duration(to: clock.now)); sum of prices \(total.1) (server says \(sum)) — \(total.1 == sum ? "exact" : "MISMATCH")")
            try await db.close()
            try await server.stop()
            print("▸ server stopped and its files removed")
            if total.1 != sum { throw ExitCode.failure }
        } catch {
            try? await server.stop()
            throw error
        }
    }
}
