import Foundation
import MariaDB
import MariaDBTestSupport
import Testing

@Suite(.mariaDB) struct StreamingAndBulkTests {
    /// Loads `count` rows with awkward bytes through LOAD DATA LOCAL INFILE from a Swift closure.
    func loadRows(_ connection: BlockingConnection, count: Int) throws -> QueryMetadata {
        try connection.execute("CREATE TABLE r (id BIGINT PRIMARY KEY, name VARCHAR(100), price DECIMAL(10,2), at DATETIME(6), note TEXT NULL, raw BLOB)")
        var next = 0
        return try connection.loadData(LoadDataStatement(table: "r"), from: RowInfileSource {
            guard next < count else { return nil }
            next += 1
            return Self.row(next)
        })
    }

    static func row(_ n: Int) -> [MariaDBValue] {
        [.int(Int64(n)), .string("name\t\(n)\n\\ü"), .decimal(MariaDBDecimal("\(n).\(n % 100 < 10 ? "0" : "")\(n % 100)")!),
         .datetime(MariaDBDateTime(year: 2026, month: 1, day: 1, hour: n % 24, minute: 0, second: 0, microsecond: n % 1_000_000)),
         n % 7 == 0 ? .null : .string("N"), .bytes([0, 9, 10, 13, 26, 92, UInt8(n % 256)])]
    }

    @Test func localInfileLoadsExactBytesAndStreamingReadsThemBack() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        let meta = try loadRows(connection, count: 20_000)
        #expect(meta.affectedRows == 20_000)
        #expect(meta.warningCount == 0)
        var seen = 0
        try connection.stream("SELECT id, name, price, at, note, raw FROM r ORDER BY id", prepared: true) { row in
            seen += 1
            #expect(row.values == Self.row(seen), "row \(seen)")
        }
        #expect(seen == 20_000)
        // The same connection is usable right after a stream.
        #expect(try connection.query("SELECT COUNT(*) FROM r WHERE note IS NULL").rows[0].decode(0, as: Int.self) == 20_000 / 7)
    }

    @Test func stoppingAStreamEarlyLeavesTheConnectionUsable() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        _ = try loadRows(connection, count: 5_000)
        struct Enough: Error {}
        for prepared in [true, false] {
            var seen = 0
            #expect(throws: Enough.self) {
                try connection.stream("SELECT * FROM r", prepared: prepared) { _ in
                    seen += 1
                    if seen == 10 { throw Enough() }
                }
            }
            #expect(seen == 10)
            #expect(try connection.query("SELECT 1").rows[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test func valuesLargerThanTheInitialBufferAreFetchedWhole() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE big (id INT PRIMARY KEY, body LONGTEXT)")
        let sizes = [0, 10, 255, 256, 257, 70_000, 4_000_000, 3]
        for (i, size) in sizes.enumerated() {
            let body = String((0..<size).map { "abcdefghijklmnopqrstuvwxyzé"[$0 % 27] })
            try connection.execute("INSERT INTO big VALUES (\(i), \(body))")
        }
        for mode in [true, false] {
            var index = 0
            try connection.stream("SELECT body FROM big ORDER BY id", prepared: mode) { row in
                let body = try row.decode(0, as: String.self)
                #expect(body.count == sizes[index])
                index += 1
            }
            #expect(index == sizes.count)
        }
    }

    @Test func asyncSequenceFeedsLoadDataWithBackpressure() async throws {
        let db = try await MariaDBConnection.connect(try TestServer.freshDatabase())
        try await db.execute("CREATE TABLE s (id INT PRIMARY KEY, label VARCHAR(20))")
        let rows = AsyncStream<[MariaDBValue]> { continuation in
            Task {
                for i in 1...50_000 { continuation.yield([.int(Int64(i)), .string("label \(i)")]) }
                continuation.finish()
            }
        }
        let meta = try await db.loadRows(LoadDataStatement(table: "s", columns: ["id", "label"]), rows: rows)
        #expect(meta.affectedRows == 50_000)
        let check = try await db.query("SELECT COUNT(*), SUM(id), MAX(label) FROM s").rows[0]
        #expect(try check.decode(0, as: Int.self) == 50_000)
        #expect(try check.decode(1, as: Int.self) == 50_000 * 50_001 / 2)
        try await db.close()
    }

    @Test func failingSourceAbortsTheLoadAndWritesNothing() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE f (id INT PRIMARY KEY)")
        struct SourceBroke: Error, CustomStringConvertible { var description: String { "disk read failed at row 1001" } }
        var n = 0
        let error = try #require(throws: MariaDBError.self) {
            try connection.loadData(LoadDataStatement(table: "f"), from: RowInfileSource {
                n += 1
                if n > 1_000 { throw SourceBroke() }
                return [.int(Int64(n))]
            })
        }
        #expect(error.code == .localInfile)
        #expect(error.description.contains("disk read failed at row 1001"))
        #expect(try connection.query("SELECT COUNT(*) FROM f").rows[0].decode(0, as: Int.self) == 0)
    }

    @Test func badValueInLoadIsAnErrorNotATruncation() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE v (id INT PRIMARY KEY, code VARCHAR(3))")
        let error = try #require(throws: MariaDBError.self) {
            try connection.loadData(LoadDataStatement(table: "v"), from: BytesInfileSource("1\tabc\n2\ttoolong\n"))
        }
        // LOCAL turns the overlong value into warning 1265; the client makes it an error and rolls back.
        #expect(error.code == .warnings)
        #expect(error.errno == 1265)
        #expect(error.description.contains("rolled back"))
        #expect(try connection.query("SELECT COUNT(*) FROM v").rows[0].decode(0, as: Int.self) == 0)
    }

    @Test func duplicateKeysInALoadAreNotSilentlySkipped() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE d (id INT PRIMARY KEY)")
        try connection.begin()
        try connection.execute("INSERT INTO d VALUES (100)")
        let error = try #require(throws: MariaDBError.self) {
            try connection.loadData(LoadDataStatement(table: "d"), from: BytesInfileSource("1\n2\n1\n"))
        }
        #expect(error.errno == 1062)
        #expect(!error.description.contains("'1'"))
        // Inside the caller's transaction only the load is undone (savepoint); the caller's row stays.
        #expect(connection.isInTransaction)
        try connection.commit()
        #expect(try connection.query("SELECT id FROM d").rows.map { try $0.decode(0, as: Int.self) } == [100])
    }

    @Test func serverCannotMakeTheClientReadArbitraryFiles() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE leak (line TEXT)")
        let error = try #require(throws: MariaDBError.self) {
            try connection.execute("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE leak")
        }
        #expect(error.description.contains("never serves files"), "\(error)")
        #expect(try connection.query("SELECT COUNT(*) FROM leak").rows[0].decode(0, as: Int.self) == 0)
    }

    @Test func warningsCanBeErrors() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE w (id INT PRIMARY KEY)")
        try connection.execute("INSERT INTO w VALUES (1)")
        let error = try #require(throws: MariaDBError.self) { try connection.executeWithoutWarnings("INSERT IGNORE INTO w VALUES (1)") }
        #expect(error.code == .warnings)
        #expect(error.errno == 1062)
    }
}

extension String {
    subscript(offset: Int) -> Character { self[index(startIndex, offsetBy: offset)] }
}
