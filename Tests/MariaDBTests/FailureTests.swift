import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// Bad input and broken connections produce clear, typed errors.
@Suite(.mariaDB) struct FailureTests {
    @Test func nobodyListening() async throws {
        var configuration = try TestServer.require().adminConfiguration()
        configuration.port = try closedPort()
        configuration.connectTimeout = 2
        let error = try await #require(throws: MariaDBError.self) { try await MariaDBConnection.connect(configuration) }
        #expect(error.code == .connectionFailed)
        #expect(error.errno == 2002 || error.errno == 2003)
        #expect(error.description.contains("127.0.0.1:\(configuration.port)"))
    }

    @Test func unresolvableHost() async throws {
        var configuration = try TestServer.require().adminConfiguration()
        configuration.host = "no-such-host.invalid"
        configuration.connectTimeout = 2
        let error = try await #require(throws: MariaDBError.self) { try await MariaDBConnection.connect(configuration) }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("no-such-host.invalid"))
    }

    @Test func wrongPassword() async throws {
        var configuration = try TestServer.require().adminConfiguration()
        configuration.password = "definitely-wrong-Pw-9137"
        let error = try await #require(throws: MariaDBError.self) { try await MariaDBConnection.connect(configuration) }
        #expect(error.isAccessDenied)
        #expect(error.code == .accessDenied)
        #expect(error.errno == 1045)
        #expect(!error.description.contains("definitely-wrong-Pw-9137"))
        #expect(!error.debugDescription.contains("definitely-wrong-Pw-9137"))
    }

    @Test func unknownDatabase() async throws {
        let configuration = try TestServer.require().adminConfiguration(database: "no_such_db")
        let error = try await #require(throws: MariaDBError.self) { try await MariaDBConnection.connect(configuration) }
        #expect(error.isUnknownDatabase)
        #expect(error.description.contains("no_such_db"))
    }

    @Test func tlsRequiredButServerHasNone() async throws {
        var configuration = try TestServer.require().adminConfiguration()
        configuration.tls = .require
        let error = try await #require(throws: MariaDBError.self) { try await MariaDBConnection.connect(configuration) }
        #expect(error.code == .tls)
    }

    @Test func tlsPreferFallsBackToPlainWhenServerHasNone() async throws {
        var configuration = try TestServer.require().adminConfiguration()
        configuration.tls = .prefer
        let db = try await MariaDBConnection.connect(configuration)
        #expect(db.tlsVersion == nil)
        try await db.close()
    }

    @Test func syntaxErrorAndUnknownTable() async throws {
        let db = try await MariaDBConnection.connect(try TestServer.freshDatabase())
        let syntax = try await #require(throws: MariaDBError.self) { try await db.execute("SELEC 1") }
        #expect(syntax.isSyntaxError)
        #expect(syntax.code == .server)
        let table = try await #require(throws: MariaDBError.self) { try await db.query("SELECT * FROM missing WHERE id = \(1)") }
        #expect(table.isUnknownTable)
        #expect(table.sqlState == "42S02")
        // Errors do not poison the connection.
        #expect(try await db.query("SELECT 2").rows[0].decode(0, as: Int.self) == 2)
        try await db.close()
    }

    @Test func wrongNumberOfBindsIsMisuse() throws {
        let connection = try BlockingConnection.connect(try TestServer.freshDatabase())
        defer { connection.close() }
        let error = try #require(throws: MariaDBError.self) {
            try connection.query(MariaDBQuery(unsafeSQL: "SELECT ? + ?", binds: [.int(1)]))
        }
        #expect(error.code == .misuse)
    }

    @Test func killedMidQueryIsConnectionLostAndTheConnectionRefusesReuse() async throws {
        let configuration = try TestServer.freshDatabase()
        let victim = try await MariaDBConnection.connect(configuration)
        let killer = try await MariaDBConnection.connect(configuration)
        let victimID = victim.connectionID
        let slow = Task { try await victim.query("SELECT SLEEP(30)") }
        try await waitUntilRunning(killer, id: victimID)
        try await killer.execute("KILL CONNECTION \(victimID)")
        let error = try await #require(throws: MariaDBError.self) { _ = try await slow.value }
        #expect(error.isConnectionLost)
        #expect(victim.isBroken)
        let reuse = try await #require(throws: MariaDBError.self) { try await victim.ping() }
        #expect(reuse.isConnectionLost)
        try await killer.close()
    }

    @Test func readTimeoutBoundsAHungQuery() async throws {
        var configuration = try TestServer.freshDatabase()
        configuration.readTimeout = 1
        let db = try await MariaDBConnection.connect(configuration)
        let started = ContinuousClock.now
        let error = try await #require(throws: MariaDBError.self) { try await db.query("SELECT SLEEP(20)") }
        #expect(error.isConnectionLost)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func concurrentUseOfOneConnectionIsSerializedNotRaced() async throws {
        let db = try await MariaDBConnection.connect(try TestServer.freshDatabase())
        let started = ContinuousClock.now
        let first = Task { try await db.query("SELECT SLEEP(1), 'first'") }
        try await Task.sleep(for: .milliseconds(100))
        let second = try await db.query("SELECT 'second'").rows[0].decode(0, as: String.self)
        #expect(second == "second")
        #expect(ContinuousClock.now - started >= .seconds(1), "the second query waited for the first")
        #expect(try await first.value.rows[0].decode(1, as: String.self) == "first")
        try await db.close()
    }

    func waitUntilRunning(_ observer: MariaDBConnection, id: UInt64) async throws {
        for _ in 0..<100 {
            let rows = try await observer.query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = \(id) AND INFO LIKE 'SELECT SLEEP%'").rows
            if try rows[0].decode(0, as: Int.self) == 1 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("query never started")
    }

    func closedPort() throws -> Int {
        // Bind, read the port, close: nothing listens there afterwards.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The server process disappears while a query runs.
@Suite(.mariaDB) struct ServerGoneTests {
    @Test func serverStoppedMidQuery() async throws {
        let server = try TestServer.require()
        let db = try await MariaDBConnection.connect(server.adminConfiguration())
        let slow = Task { try await db.query("SELECT SLEEP(30)") }
        try await Task.sleep(for: .milliseconds(300))
        server.kill9()
        let error = try await #require(throws: MariaDBError.self) { _ = try await slow.value }
        #expect(error.isConnectionLost)
        let reconnect = try await #require(throws: MariaDBError.self) { try await MariaDBConnection.connect(server.adminConfiguration()) }
        #expect(reconnect.code == .connectionFailed)
    }
}
