import FluentKit
import FluentMariaDB
import Logging
import MariaDB
import MariaDBTestSupport
import NIOPosix
import SQLKit
import Testing

@Suite(.mariaDB) struct FluentTransactionIsolationTests {
    @Test func transactionRunsAtTheRequestedIsolationLevel() async throws {
        let configuration = try TestServer.freshDatabase()
        let databases = Databases(threadPool: NIOThreadPool.singleton, on: MultiThreadedEventLoopGroup.singleton)
        databases.use(.mariaDB(configuration, pool: PoolConfiguration(minimumConnections: 0, maximumConnections: 2)), as: .mysql)
        let db = databases.database(.mysql, logger: Logger(label: "test"), on: MultiThreadedEventLoopGroup.singleton.any())!
        let sql = db as! any SQLDatabase
        try await sql.raw("CREATE TABLE kv (k INT PRIMARY KEY, v INT)").run()
        try await sql.raw("INSERT INTO kv VALUES (1, 1)").run()
        let writer = try await MariaDBConnection.connect(configuration)
        for (level, expected) in [(IsolationLevel.repeatableRead, 1), (.readCommitted, 2)] {
            try await writer.execute("UPDATE kv SET v = 1")
            let seen = try await db.transaction(isolation: level) { tx -> Int in
                let sql = tx as! any SQLDatabase
                _ = try await sql.raw("SELECT v FROM kv").all()
                try await writer.execute("UPDATE kv SET v = 2")
                return try await sql.raw("SELECT v FROM kv").first()?.decode(column: "v", as: Int.self) ?? -1
            }
            #expect(seen == expected, "\(level)")
        }
        try await writer.close()
        await databases.shutdownAsync()
    }
}
