import Foundation
import MariaDB
import MariaDBServer
import Testing

/// A MariaDB server for one test suite, started before its first test and stopped (files removed) after
/// its last, whether the tests passed or not. Apply with `@Suite(.mariaDB)`; read it with `TestServer.current`.
public struct MariaDBServerTrait: SuiteTrait, TestScoping {
    public var options: MariaDBServer.Options
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try await MariaDBServer.start(options)
        do {
            try await TestServer.$current.withValue(server) { try await function() }
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}

extension Trait where Self == MariaDBServerTrait {
    /// A private MariaDB server (test profile) for the suite.
    public static var mariaDB: MariaDBServerTrait { MariaDBServerTrait(options: MariaDBServer.Options()) }
    public static func mariaDB(_ options: MariaDBServer.Options) -> MariaDBServerTrait { MariaDBServerTrait(options: options) }
}

public enum TestServer {
    @TaskLocal public static var current: MariaDBServer?

    /// The suite's server; fails the test (never skips it) when the suite has no `.mariaDB` trait.
    public static func require() throws -> MariaDBServer {
        guard let server = current else {
            throw MariaDBServerError("this test needs a MariaDB server: add .mariaDB to its suite")
        }
        return server
    }

    /// Creates a fresh database for one test and returns a configuration pointing at it.
    public static func freshDatabase(_ prefix: String = "t") throws -> MariaDBConfiguration {
        let server = try require()
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try BlockingConnection.connect(server.adminConfiguration())
        defer { admin.close() }
        try admin.execute(MariaDBQuery(unsafeSQL: "CREATE DATABASE \(MariaDBIdentifier.quote(name))"))
        return server.adminConfiguration(database: name)
    }
}
