import Foundation
import MariaDB
import MariaDBTestSupport
import Testing

/// A cached prepared statement keeps its parameter and result memory between executions; whatever the
/// values, types and lengths of one execution, the next one must send and read exactly its own.
@Suite(.mariaDB) struct StatementReuseTests {
    @Test func bindsOfChangingTypesAndLengthsOnOneStatement() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute(
            "CREATE TABLE v (id INT PRIMARY KEY, s TEXT NULL, b BLOB NULL, n BIGINT NULL, x VARCHAR(40) NULL)")
        let long = String(repeating: "é", count: 5_000)
        let rows: [[MariaDBValue]] = [
            [.int(1), .string("a"), .bytes([1, 2]), .int(-5), .string("text")],
            [.int(2), .string(long), .bytes(Array(repeating: 7, count: 10_000)), .uint(UInt64(Int64.max)), .int(42)],
            [.int(3), .string(""), .bytes([]), .null, .null],
            [.int(4), .null, .null, .int(0), .string("")],
            [.int(5), .string("b"), .bytes([0]), .double(4), .decimal(MariaDBDecimal("12.50")!)],
            [.int(6), .string("c"), .bytes([255]), .int(7), .date(MariaDBDateTime(year: 2026, month: 1, day: 2))],
        ]
        for row in rows {
            try connection.execute(MariaDBQuery(unsafeSQL: "INSERT INTO v VALUES (?, ?, ?, ?, ?)", binds: row))
        }
        let read = try connection.query("SELECT s, b, n, x FROM v ORDER BY id").rows
        #expect(read.map { $0[0] } == [.string("a"), .string(long), .string(""), .null, .string("b"), .string("c")])
        #expect(read.map { $0[1] } == [
            .bytes([1, 2]), .bytes(Array(repeating: 7, count: 10_000)), .bytes([]), .null, .bytes([0]), .bytes([255]),
        ])
        #expect(read.map { $0[2] } == [.int(-5), .int(Int64.max), .null, .int(0), .int(4), .int(7)])
        #expect(read.map { $0[3] } == [
            .string("text"), .string("42"), .null, .string(""), .string("12.50"), .string("2026-01-02"),
        ])

        // One cached statement with text binds of different lengths: an empty string must stay ''.
        for (text, count) in [("", 1), (long, 1), ("a", 1), ("", 1), ("missing", 0)] {
            let found = try connection.query("SELECT COUNT(*) FROM v WHERE s = \(text)").rows[0].decode(0, as: Int.self)
            #expect(found == count)
        }
    }

    @Test func resultValuesThatGrowAndShrinkOnOneStatement() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE g (id INT PRIMARY KEY, body LONGTEXT, raw LONGBLOB)")
        let sizes = [1: 3, 2: 70_000, 3: 0, 4: 300_000, 5: 10]
        for (id, size) in sizes {
            let body = String(repeating: "x", count: size), raw = [UInt8](repeating: 9, count: size)
            try connection.execute("INSERT INTO g VALUES (\(id), \(body), \(raw))")
        }
        for id in [1, 2, 3, 4, 1, 5, 4, 3, 2, 1] {
            let row = try connection.query("SELECT body, raw FROM g WHERE id = \(id)").rows[0]
            #expect(try row.decode(0, as: String.self).utf8.count == sizes[id])
            #expect(try row.decode(1, as: [UInt8].self) == [UInt8](repeating: 9, count: sizes[id]!))
        }
    }

    @Test func columnTypeChangeUnderACachedStatement() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE c (id INT PRIMARY KEY, v INT)")
        try connection.execute("INSERT INTO c VALUES (1, 10)")
        let query: MariaDBQuery = "SELECT v FROM c WHERE id = \(1)"
        #expect(try connection.query(query).rows[0][0] == .int(10))
        try connection.execute("ALTER TABLE c MODIFY v VARCHAR(20)")
        try connection.execute("UPDATE c SET v = 'ten' WHERE id = 1")
        #expect(try connection.query(query).rows[0][0] == .string("ten"))
        try connection.execute("UPDATE c SET v = '2.5' WHERE id = 1")
        try connection.execute("ALTER TABLE c MODIFY v DECIMAL(5,1)")
        #expect(try connection.query(query).rows[0][0] == .decimal(MariaDBDecimal("2.5")!))
    }

    @Test func storedProcedureResultsOnARepeatedStatement() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(20))")
        try connection.execute("INSERT INTO p VALUES (1, 'one'), (2, 'two'), (3, 'three')")
        try connection.execute(
            "CREATE PROCEDURE names_from(IN first INT) SELECT name FROM p WHERE id >= first ORDER BY id")
        for first in [1, 2, 3, 1] {
            let rows = try connection.query("CALL names_from(\(first))").rows
            let names = try rows.map { try $0.decode(0, as: String.self) }
            #expect(names == Array(["one", "two", "three"].dropFirst(first - 1)))
        }
        #expect(try connection.query("SELECT name FROM p WHERE id = \(2)").rows[0].decode(0, as: String.self) == "two")
    }

    @Test func alternatingStatementsWithASmallCache() throws {
        var configuration = try TestServer.freshDatabase()
        configuration.statementCacheCapacity = 2
        let connection = try BlockingConnection.connect(configuration)
        defer { connection.close() }
        try connection.execute("CREATE TABLE a (id INT PRIMARY KEY, n INT)")
        try connection.execute("INSERT INTO a VALUES (1, 10), (2, 20), (3, 30)")
        for round in 0..<4 {
            for id in [1, 2, 3, 3, 1] {
                func int(_ query: MariaDBQuery) throws -> Int {
                    try connection.query(query).rows[0].decode(0, as: Int.self)
                }
                let byID = try int("SELECT n FROM a WHERE id = \(id)")
                let plusRound = try int("SELECT n + \(round) FROM a WHERE id = \(id)")
                let count = try int("SELECT COUNT(*) FROM a WHERE n >= \(id * 10)")
                #expect(byID == id * 10)
                #expect(plusRound == id * 10 + round)
                #expect(count == 4 - id)
            }
        }
    }
}
