import CoreMetrics
import FluentKit
import FluentMariaDB
import Foundation
import Logging
import MariaDB
import MariaDBServer
import MetricsTestKit
import NIOPosix
import Testing

private final class Note: Model, @unchecked Sendable {
    static let schema = "notes"
    @ID(custom: .id) var id: Int?
    @Field(key: "text") var text: String
    init() {}
    init(id: Int? = nil, text: String) { self.id = id; self.text = text }
}

private struct CreateNotes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("notes").field(.id, .int, .identifier(auto: true)).field("text", .string, .required).create()
    }
    func revert(on database: any Database) async throws { try await database.schema("notes").delete() }
}

/// A real primary + GTID replica pair: reads go to the healthy replica, read-your-writes holds, and an
/// unhealthy replica sends reads back to the primary.
@Suite struct ReplicaRoutingTests {
    @Test func readsGoToTheReplicaAndSeeTheSessionsOwnWrites() async throws {
        let primary = try await MariaDBServer.start()
        var replica: MariaDBServer?
        do {
            replica = try await primary.startReplica(serverID: 2)
            try await run(primary: primary, replica: replica!)
        } catch {
            try? await replica?.stop()
            try? await primary.stop()
            throw error
        }
        try await replica?.stop()
        try await primary.stop()
    }

    private func run(primary: MariaDBServer, replica: MariaDBServer) async throws {
        let admin = try BlockingConnection.connect(primary.adminConfiguration())
        try admin.execute("CREATE DATABASE shop")
        admin.close()
        try await replica.waitForDatabase("shop")
        let metrics = TestMetrics()
        try await withMetricsFactory(metrics) {
            var replicas = ReplicaConfiguration(replicas: [replica.adminConfiguration(database: "shop")])
            replicas.healthCheckInterval = .milliseconds(100)
            let databases = Databases(threadPool: NIOThreadPool.singleton, on: MultiThreadedEventLoopGroup.singleton)
            databases.use(.mariaDB(primary.adminConfiguration(database: "shop"), replicas: replicas), as: .mysql)
            func session() -> any Database {
                databases.database(.mysql, logger: Logger(label: "test"), on: MultiThreadedEventLoopGroup.singleton.any())!
            }
            try await CreateNotes().prepare(on: session())

            // Read-your-writes: the same session reads its insert at once, from wherever it is routed.
            let db = session()
            for i in 1...20 {
                let note = Note(text: "note \(i)")
                try await note.create(on: db)
                #expect(try await Note.find(note.id, on: db)?.text == "note \(i)", "write \(i) visible to its session")
            }

            // A row that exists only on the replica proves where reads go.
            let onReplica = try BlockingConnection.connect(replica.adminConfiguration(database: "shop"))
            try onReplica.execute("SET SESSION sql_log_bin = 0")
            try onReplica.execute("INSERT INTO notes (id, text) VALUES (1000, 'replica only')")
            var seenOnReplica = false
            for _ in 0..<50 where !seenOnReplica {
                seenOnReplica = try await Note.find(1000, on: session()) != nil
                if !seenOnReplica { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(seenOnReplica, "reads outside transactions are served by the replica")
            #expect(try metrics.expectCounter("db.client.routed_reads", [("target", "replica")]).totalValue > 0)

            // Transactions always use the primary.
            let inTransaction = try await session().transaction { tx in try await Note.find(1000, on: tx) }
            #expect(inTransaction == nil)

            // Stop applying on the replica: it turns unhealthy and reads return to the primary.
            try onReplica.execute("STOP SLAVE SQL_THREAD")
            var backOnPrimary = false
            for _ in 0..<50 where !backOnPrimary {
                backOnPrimary = try await Note.find(1000, on: session()) == nil
                if !backOnPrimary { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(backOnPrimary, "unhealthy replica gets no reads")
            #expect(try metrics.expectCounter("db.client.routed_reads", [("target", "fallback_unhealthy")]).totalValue > 0)
            try onReplica.execute("START SLAVE SQL_THREAD")
            onReplica.close()
            await databases.shutdownAsync()
        }
    }
}

extension MariaDBServer {
    func waitForDatabase(_ name: String) async throws {
        for _ in 0..<100 {
            let c = try BlockingConnection.connect(adminConfiguration())
            let found = try c.query("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = \(name)").rows[0].decode(0, as: Int.self)
            c.close()
            if found == 1 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw MariaDBServerError("database \(name) never replicated to port \(port)")
    }
}
