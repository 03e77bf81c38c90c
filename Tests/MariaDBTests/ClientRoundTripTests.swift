import Foundation
import MariaDB
import MariaDBTestSupport
import Testing

/// Values survive a round trip through both protocols exactly.
@Suite(.mariaDB) struct ClientRoundTripTests {
    static let columns = """
        CREATE TABLE t (
          id BIGINT AUTO_INCREMENT PRIMARY KEY, i BIGINT, u BIGINT UNSIGNED, tiny TINYINT, d DOUBLE,
          dec65 DECIMAL(65,30), price DECIMAL(12,2), s VARCHAR(100), txt LONGTEXT, b LONGBLOB, dt DATE,
          dtm DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(6), js JSON, bit1 BIT(1), yr YEAR
        )
        """

    static let values: [MariaDBValue] = [
        .int(Int64.min), .uint(UInt64.max), .int(-128), .double(0.1 + 0.2),
        .decimal(MariaDBDecimal("-12345678901234567890123456789012345.123456789012345678901234567891")!),
        .decimal(MariaDBDecimal("19.99")!),
        .string("Ünïcödé — 日本語 — emoji 🛒 — quote ' and backslash \\ and NUL \u{0}"),
        .string(String(repeating: "x", count: 300_000)),
        .bytes((0...255).map(UInt8.init) + [0, 0, 255]),
        .date(MariaDBDateTime(year: 1999, month: 12, day: 31)),
        .datetime(MariaDBDateTime(year: 2026, month: 11, day: 25, hour: 23, minute: 59, second: 59, microsecond: 999_999)),
        .datetime(MariaDBDateTime(year: 2038, month: 1, day: 19, hour: 3, minute: 14, second: 7, microsecond: 1)),
        .time(MariaDBTime(isNegative: true, hours: 838, minutes: 59, seconds: 59, microseconds: 5)),
        .string(#"{"color": "blue", "sizes": [1, 2.5], "nested": {"k": null}}"#),
        .bytes([1]),
        .int(2026),
    ]

    static let names = ["i", "u", "tiny", "d", "dec65", "price", "s", "txt", "b", "dt", "dtm", "ts", "tm", "js", "bit1", "yr"]

    func insertAndRead(prepared: Bool) async throws -> MariaDBRow {
        let db = try await MariaDBConnection.connect(try TestServer.freshDatabase())
        defer { Task { try? await db.close() } }
        try await db.execute(MariaDBQuery(unsafeSQL: Self.columns))
        let placeholders = Self.names.map { _ in "?" }.joined(separator: ", ")
        let insert = MariaDBQuery(unsafeSQL: "INSERT INTO t (\(Self.names.joined(separator: ", "))) VALUES (\(placeholders))", binds: Self.values)
        let meta = try await db.execute(insert)
        #expect(meta.affectedRows == 1)
        #expect(meta.lastInsertID == 1)
        #expect(meta.warningCount == 0)
        let select = MariaDBQuery(unsafeSQL: "SELECT \(Self.names.joined(separator: ", ")) FROM t WHERE id = 1")
        let rows = try await db.query(select, prepared: prepared).rows
        return try #require(rows.first)
    }

    @Test(arguments: [true, false])
    func everyTypeRoundTrips(prepared: Bool) async throws {
        let row = try await insertAndRead(prepared: prepared)
        for (index, expected) in Self.values.enumerated() {
            let actual = row[index]
            switch (Self.names[index], actual) {
            case ("js", _):
                // MariaDB's JSON is LONGTEXT with a validity CHECK: it comes back as the same text.
                #expect(String(mariaDBValue: actual) == String(mariaDBValue: expected))
            case ("yr", _):
                #expect(Int(mariaDBValue: actual) == 2026)  // YEAR is reported UNSIGNED
            case ("dt", .date(let d)):
                #expect(.date(d) == expected)
            default:
                #expect(actual == expected, "column \(Self.names[index]) via \(prepared ? "binary" : "text") protocol")
            }
        }
        #expect(try row.decode("price", as: Decimal.self) == Decimal(string: "19.99"))
        #expect(try row.decode("bit1", as: Bool.self) == true)
        #expect(abs(try row.decode("dtm", as: Date.self).timeIntervalSince1970 - 1_795_651_199.999999) < 0.000_000_5)
    }

    @Test func decimalRoundsOnlyWhereTheServerDoesAndOverflowIsAnError() async throws {
        let db = try await MariaDBConnection.connect(try TestServer.freshDatabase())
        defer { Task { try? await db.close() } }
        try await db.execute("CREATE TABLE m (p DECIMAL(5,2))")
        try await db.execute("INSERT INTO m VALUES (\(MariaDBDecimal("999.99")!))")
        let error = try await #require(throws: MariaDBError.self) {
            try await db.execute("INSERT INTO m VALUES (\(MariaDBDecimal("1000.00")!))")
        }
        #expect(error.errno == 1264)  // out of range: strict mode refuses instead of clamping
        let rows = try await db.query("SELECT p FROM m").rows
        #expect(rows.map { $0[0] } == [.decimal(MariaDBDecimal("999.99")!)])
    }

    @Test func sessionIsUTCAndStrict() async throws {
        let db = try await MariaDBConnection.connect(try TestServer.freshDatabase())
        defer { Task { try? await db.close() } }
        let row = try await db.query("SELECT @@session.time_zone AS tz, @@session.sql_mode AS mode, NOW(6) = UTC_TIMESTAMP(6) AS utc, @@character_set_client AS cs").rows[0]
        #expect(try row.decode("tz", as: String.self) == "+00:00")
        #expect(try row.decode("mode", as: String.self).contains("STRICT_ALL_TABLES"))
        #expect(try row.decode("utc", as: Int.self) == 1)
        #expect(try row.decode("cs", as: String.self) == "utf8mb4")
        try await db.execute("CREATE TABLE s (name VARCHAR(5))")
        let error = try await #require(throws: MariaDBError.self) { try await db.execute("INSERT INTO s VALUES (\("toolong"))") }
        #expect(error.errno == 1406)
        #expect(try await db.query("SELECT COUNT(*) FROM s").rows[0].decode(0, as: Int.self) == 0)
    }

    @Test func lastInsertIDComesFromTheSameCallUnderConcurrency() async throws {
        let configuration = try TestServer.freshDatabase()
        let setup = try await MariaDBConnection.connect(configuration)
        try await setup.execute("CREATE TABLE seq (id BIGINT AUTO_INCREMENT PRIMARY KEY, who INT)")
        try await setup.close()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    let db = try await MariaDBConnection.connect(configuration)
                    for _ in 0..<50 {
                        let meta = try await db.execute("INSERT INTO seq (who) VALUES (\(worker))")
                        let who = try await db.query("SELECT who FROM seq WHERE id = \(meta.lastInsertID)").rows[0].decode(0, as: Int.self)
                        #expect(who == worker)
                    }
                    try await db.close()
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func affectedRowsCountChangedRows() async throws {
        let db = try await MariaDBConnection.connect(try TestServer.freshDatabase())
        defer { Task { try? await db.close() } }
        try await db.execute("CREATE TABLE a (id INT PRIMARY KEY, v INT)")
        #expect(try await db.execute("INSERT INTO a VALUES (1, 0), (2, 0), (3, 1)").affectedRows == 3)
        #expect(try await db.execute("UPDATE a SET v = \(1) WHERE v = \(0)").affectedRows == 2)
        #expect(try await db.execute("DELETE FROM a WHERE id > \(1)").affectedRows == 2)
    }
}
