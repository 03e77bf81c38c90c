import FluentBenchmark
import FluentKit
import FluentMariaDB
import Foundation
import Logging
import MariaDB
import MariaDBServer
import NIOPosix
import XCTest

/// fluent-kit's own conformance suite against a real MariaDB (FluentBenchmark is XCTest-based and
/// blocks on futures, so this file stays XCTest).
final class FluentBenchmarkTests: XCTestCase {
    nonisolated(unsafe) static var server: MariaDBServer?
    nonisolated(unsafe) static var setUpError: (any Error)?
    var databases: Databases!
    var benchmarker: FluentBenchmarker!

    override class func setUp() {
        super.setUp()
        do {
            server = try blocking { try await MariaDBServer.start() }
            let admin = try BlockingConnection.connect(server!.adminConfiguration())
            defer { admin.close() }
            for name in ["fluent_a", "fluent_b"] { try admin.execute(MariaDBQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        } catch {
            setUpError = error
        }
    }

    override class func tearDown() {
        if let server { try? blocking { try await server.stop() } }
        server = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let error = Self.setUpError { throw error }
        let server = try XCTUnwrap(Self.server)
        databases = Databases(threadPool: NIOThreadPool.singleton, on: MultiThreadedEventLoopGroup.singleton)
        databases.use(.mariaDB(server.adminConfiguration(database: "fluent_a"), pool: PoolConfiguration(minimumConnections: 0, maximumConnections: 4)), as: .a)
        databases.use(.mariaDB(server.adminConfiguration(database: "fluent_b"), pool: PoolConfiguration(minimumConnections: 0, maximumConnections: 4)), as: .b)
        benchmarker = FluentBenchmarker(databases: databases)
    }

    override func tearDownWithError() throws {
        databases?.shutdown()
        databases = nil
    }

    func testAggregate() throws { try benchmarker.testAggregate() }
    func testArray() throws { try benchmarker.testArray() }
    func testBatch() throws { try benchmarker.testBatch() }
    func testChild() throws { try benchmarker.testChild() }
    func testChildren() throws { try benchmarker.testChildren() }
    func testCodable() throws { try benchmarker.testCodable() }
    func testChunk() throws { try benchmarker.testChunk() }
    func testCompositeID() throws { try benchmarker.testCompositeID() }
    func testCRUD() throws { try benchmarker.testCRUD() }
    func testEagerLoad() throws { try benchmarker.testEagerLoad() }
    func testEnum() throws { try benchmarker.testEnum() }
    func testFilter() throws { try benchmarker.testFilter() }
    func testGroup() throws { try benchmarker.testGroup() }
    func testID() throws { try benchmarker.testID() }
    func testJoin() throws { try benchmarker.testJoin() }
    func testMiddleware() throws { try benchmarker.testMiddleware() }
    func testMigrator() throws { try benchmarker.testMigrator() }
    func testModel() throws { try benchmarker.testModel() }
    func testOptionalParent() throws { try benchmarker.testOptionalParent() }
    func testPagination() throws { try benchmarker.testPagination() }
    func testParent() throws { try benchmarker.testParent() }
    func testPerformance() throws { try benchmarker.testPerformance(decimalType: .sql(raw: "DECIMAL(60,30)")) }
    func testRange() throws { try benchmarker.testRange() }
    func testSchema() throws { try benchmarker.testSchema(foreignKeys: true) }
    func testSet() throws { try benchmarker.testSet() }
    func testSiblings() throws { try benchmarker.testSiblings() }
    func testSoftDelete() throws { try benchmarker.testSoftDelete() }
    func testSort() throws { try benchmarker.testSort() }
    func testSQL() throws { try benchmarker.testSQL() }
    func testTimestamp() throws { try benchmarker.testTimestamp() }
    func testTransaction() throws { try benchmarker.testTransaction() }
    func testUnique() throws { try benchmarker.testUnique() }
}

extension DatabaseID {
    static let a = DatabaseID(string: "a")
    static let b = DatabaseID(string: "b")
}

/// Runs async set-up from XCTest's synchronous class hooks (never on a cooperative thread).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, any Error>!
    Task.detached {
        do { result = .success(try await body()) } catch { result = .failure(error) }
        semaphore.signal()
    }
    semaphore.wait()
    return try result.get()
}
