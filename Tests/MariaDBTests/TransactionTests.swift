import Foundation
import MariaDB
import MariaDBTestSupport
import Testing

@Suite(.mariaDB) struct TransactionTests {
    @Test func commitAndRollback() async throws {
        let db = try await MariaDBConnection.connect(try TestServer.freshDatabase())
        try await db.execute("CREATE TABLE acct (id INT PRIMARY KEY, balance DECIMAL(10,2))")
        try await db.transaction(isolation: .serializable) { tx in
            try await tx.execute("INSERT INTO acct VALUES (1, \(MariaDBDecimal("10.00")!))")
        }
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await db.transaction { tx in
                try await tx.execute("UPDATE acct SET balance = 0 WHERE id = 1")
                throw Abort()
            }
        }
        #expect(try await db.query("SELECT balance FROM acct").rows[0].decode(0, as: MariaDBDecimal.self) == MariaDBDecimal("10.00"))
        try await db.close()
    }

    /// Each level shows its defining behaviour against an uncommitted write by another connection.
    @Test(arguments: IsolationLevel.allCases)
    func isolationLevelIsApplied(level: IsolationLevel) throws {
        let configuration = try TestServer.freshDatabase()
        let writer = try BlockingConnection.connect(configuration)
        let reader = try BlockingConnection.connect(configuration)
        defer { writer.close(); reader.close() }
        try writer.execute("CREATE TABLE kv (k INT PRIMARY KEY, v INT)")
        try writer.execute("INSERT INTO kv VALUES (1, 1)")
        try reader.execute("SET SESSION innodb_lock_wait_timeout = 1")
        try writer.begin()
        try writer.execute("UPDATE kv SET v = 2 WHERE k = 1")
        try reader.begin(isolation: level)
        switch level {
        case .readUncommitted:
            #expect(try reader.query("SELECT v FROM kv WHERE k = 1").rows[0].decode(0, as: Int.self) == 2)  // dirty read
        case .readCommitted, .repeatableRead:
            #expect(try reader.query("SELECT v FROM kv WHERE k = 1").rows[0].decode(0, as: Int.self) == 1)  // snapshot
        case .serializable:
            // Plain reads take shared locks, so the reader waits for the writer's row lock.
            let error = try #require(throws: MariaDBError.self) { try reader.query("SELECT v FROM kv WHERE k = 1") }
            #expect(error.isLockWaitTimeout)
        }
        try reader.rollback()
        try writer.rollback()
    }

    @Test func readCommittedSeesOtherCommitsRepeatableReadDoesNot() throws {
        let configuration = try TestServer.freshDatabase()
        let writer = try BlockingConnection.connect(configuration)
        let reader = try BlockingConnection.connect(configuration)
        defer { writer.close(); reader.close() }
        try writer.execute("CREATE TABLE kv (k INT PRIMARY KEY, v INT)")
        try writer.execute("INSERT INTO kv VALUES (1, 1)")
        for (level, expected) in [(IsolationLevel.repeatableRead, 1), (.readCommitted, 2)] {
            try writer.execute("UPDATE kv SET v = 1")
            try reader.begin(isolation: level)
            _ = try reader.query("SELECT v FROM kv")
            try writer.execute("UPDATE kv SET v = 2")
            #expect(try reader.query("SELECT v FROM kv").rows[0].decode(0, as: Int.self) == expected, "\(level)")
            try reader.commit()
        }
    }

    @Test func deadlockIsClassified() async throws {
        let configuration = try TestServer.freshDatabase()
        let a = try BlockingConnection.connect(configuration)
        let b = try BlockingConnection.connect(configuration)
        defer { a.close(); b.close() }
        try a.execute("CREATE TABLE stock (id INT PRIMARY KEY, qty INT)")
        try a.execute("INSERT INTO stock VALUES (1, 10), (2, 10)")
        try a.begin()
        try b.begin()
        try a.execute("UPDATE stock SET qty = qty - 1 WHERE id = 1")
        try b.execute("UPDATE stock SET qty = qty - 1 WHERE id = 2")
        // a waits for b's row on a pool thread while b asks for a's row: InnoDB picks a victim.
        let aResult = Task.detached { () -> MariaDBError? in
            do { try a.execute("UPDATE stock SET qty = qty - 1 WHERE id = 2"); return nil } catch let e as MariaDBError { return e } catch { return nil }
        }
        try await Task.sleep(for: .milliseconds(300))
        var bError: MariaDBError?
        do { try b.execute("UPDATE stock SET qty = qty - 1 WHERE id = 1") } catch let e as MariaDBError { bError = e }
        let aError = await aResult.value
        let victim = try #require(aError ?? bError)
        #expect(victim.isDeadlock)
        #expect(victim.isRetryableTransactionFailure)
        #expect((aError == nil) != (bError == nil), "exactly one side is the victim")
        try? a.rollback()
        try? b.rollback()
    }

    @Test func lockWaitTimeoutIsClassified() throws {
        let configuration = try TestServer.freshDatabase()
        let a = try BlockingConnection.connect(configuration)
        let b = try BlockingConnection.connect(configuration)
        defer { a.close(); b.close() }
        try a.execute("CREATE TABLE l (id INT PRIMARY KEY)")
        try a.execute("INSERT INTO l VALUES (1)")
        try b.execute("SET SESSION innodb_lock_wait_timeout = 1")
        try a.begin()
        try a.execute("SELECT * FROM l WHERE id = 1 FOR UPDATE")
        try b.begin()
        let error = try #require(throws: MariaDBError.self) { try b.execute("SELECT * FROM l WHERE id = 1 FOR UPDATE") }
        #expect(error.isLockWaitTimeout)
        try a.rollback()
        try b.rollback()
    }

    @Test func resetClearsSessionStateButKeepsSettings() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("SET @leftover = 42")
        try connection.execute("SET SESSION time_zone = '+05:00'")
        _ = try connection.query("SELECT \(1) + \(2)")  // a cached prepared statement
        try connection.reset()
        let row = try connection.query("SELECT @leftover, @@session.time_zone").rows[0]
        #expect(row[0] == .null)
        #expect(try row.decode(1, as: String.self) == "+00:00")
        #expect(try connection.query("SELECT \(1) + \(2)").rows[0].decode(0, as: Int.self) == 3)
        try connection.ping()
    }

    @Test func schemaChangeUnderACachedStatement() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        try connection.execute("CREATE TABLE c (id INT PRIMARY KEY)")
        try connection.execute("INSERT INTO c VALUES (1)")
        let query: MariaDBQuery = "SELECT * FROM c WHERE id = \(1)"
        #expect(try connection.query(query).columns.names == ["id"])
        try connection.execute("ALTER TABLE c ADD COLUMN name VARCHAR(10) DEFAULT 'x'")
        let after = try connection.query(query)
        #expect(after.columns.names == ["id", "name"])
        #expect(try after.rows[0].decode("name", as: String.self) == "x")
    }
}
