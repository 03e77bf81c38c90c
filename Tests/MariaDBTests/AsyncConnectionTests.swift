import Foundation
import MariaDB
import MariaDBTestSupport
import Testing

@Suite(.mariaDB) struct AsyncConnectionTests {
    @Test func blockingCallsRunOnTheConnectionsOwnThread() async throws {
        let db = try await MariaDBConnection.connect(try TestServer.freshDatabase())
        let executor = db.executor
        #expect(!executor.isCurrent)
        #expect(try await db.withHandle { _ in executor.isCurrent })
        // A task that adopts the connection's thread runs queries inline on it.
        let pinned = try await withTaskExecutorPreference(executor) {
            let before = executor.isCurrent
            _ = try await db.query("SELECT \(1)")
            return before && executor.isCurrent
        }
        #expect(pinned)
        try await db.close()
    }

    @Test func droppingAConnectionWithoutCloseEndsTheServerSession() async throws {
        let configuration = try TestServer.freshDatabase()
        let observer = try await MariaDBConnection.connect(configuration)
        var id: UInt64 = 0
        do {
            let db = try await MariaDBConnection.connect(configuration)
            id = db.connectionID
            _ = try await db.query("SELECT 1")
        }
        var gone = false
        for _ in 0..<100 where !gone {
            let count = try await observer.query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = \(id)").rows[0].decode(0, as: Int.self)
            gone = count == 0
            if !gone { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(gone, "server session \(id) still open")
        try await observer.close()
    }

    @Test func manyConnectionsInParallel() async throws {
        let configuration = try TestServer.freshDatabase()
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<32 {
                group.addTask {
                    let db = try await MariaDBConnection.connect(configuration)
                    var sum = 0
                    for j in 0..<20 { sum += try await db.query("SELECT \(i) + \(j)").rows[0].decode(0, as: Int.self) }
                    try await db.close()
                    return sum
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(total == (0..<32).reduce(0) { $0 + 20 * $1 } + 32 * (0..<20).reduce(0, +))
    }
}
