import Foundation
import MariaDB
import MariaDBServer
import Testing

/// A MariaDB server for one test suite, started before its first test and stopped (files removed) after
/// its last, whether the tests passed or not. Apply with `@Suite(.mariaDB)`; read it with `TestServer.current`.
/// A suite can have more servers under names: `@Suite(.mariaDB, .mariaDB(options, named: "latin1"))`, read
/// with `TestServer.require("latin1")`.
public struct MariaDBServerTrait: SuiteTrait, TestScoping {
    public var options: MariaDBServer.Options
    /// nil for the suite's main server (`TestServer.current`).
    public var name: String?
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try await ServerStartGate.shared.run { try await MariaDBServer.start(options) }
        do {
            if let name {
                let named = TestServer.named.merging([name: server]) { $1 }
                try await TestServer.$named.withValue(named) { try await function() }
            } else {
                try await TestServer.$current.withValue(server) { try await function() }
            }
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
    /// A further server for the suite, read with `TestServer.require(name)`.
    public static func mariaDB(_ options: MariaDBServer.Options, named name: String) -> MariaDBServerTrait {
        MariaDBServerTrait(options: options, name: name)
    }
}

public enum TestServer {
    @TaskLocal public static var current: MariaDBServer?
    @TaskLocal public static var named: [String: MariaDBServer] = [:]

    /// The suite's server; fails the test (never skips it) when the suite has no `.mariaDB` trait.
    public static func require() throws -> MariaDBServer {
        guard let server = current else {
            throw MariaDBServerError("this test needs a MariaDB server: add .mariaDB to its suite")
        }
        return server
    }

    /// The suite's server of that name (`.mariaDB(options, named: name)`); fails the test when there is none.
    public static func require(_ name: String) throws -> MariaDBServer {
        guard let server = named[name] else {
            throw MariaDBServerError("this test needs the MariaDB server '\(name)': add .mariaDB(_:named:)")
        }
        return server
    }

    /// Starts a server outside a suite trait (for options known only at run time, such as generated
    /// certificates), through the same start gate; the caller stops it.
    public static func start(_ options: MariaDBServer.Options) async throws -> MariaDBServer {
        try await ServerStartGate.shared.run { try await MariaDBServer.start(options) }
    }

    /// Runs `body` with a TLS server whose certificates (`TestCertificates`) are made for it; server and
    /// certificates are removed whatever happens.
    public static func withTLSServer(
        _ configure: (inout MariaDBServer.Options) -> Void = { _ in },
        _ body: (TestCertificates, MariaDBServer) async throws -> Void
    ) async throws {
        let certs = try TestCertificates.generate()
        defer { certs.remove() }
        var options = MariaDBServer.Options()
        options.tls = certs.serverFiles
        configure(&options)
        let server = try await start(options)
        do { try await body(certs, server) } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    /// Creates a fresh database for one test (on the named server, or the suite's main one) and returns a
    /// configuration pointing at it.
    public static func freshDatabase(_ prefix: String = "t", on serverName: String? = nil) throws
        -> MariaDBConfiguration {
        let server = try serverName.map { try require($0) } ?? require()
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try BlockingConnection.connect(server.adminConfiguration())
        defer { admin.close() }
        try admin.execute(MariaDBQuery(unsafeSQL: "CREATE DATABASE \(MariaDBIdentifier.quote(name))"))
        return server.adminConfiguration(database: name)
    }
}

extension MariaDBServer.Options {
    /// A server set up the way the shop finds many servers it did not choose: MySQL 5.7's `latin1` /
    /// `latin1_swedish_ci` defaults, and also MyISAM as the default engine, `COMPACT` rows (767-byte index
    /// keys), an empty `sql_mode` and a server time zone that is not UTC.
    public static var latin1Defaults: MariaDBServer.Options {
        var options = MariaDBServer.Options()
        options.set("character-set-server", "latin1")
        options.set("collation-server", "latin1_swedish_ci")
        options.set("default-storage-engine", "MyISAM")
        options.set("innodb-default-row-format", "compact")
        options.set("sql-mode", "\"\"")
        options.set("default-time-zone", "+05:30")
        return options
    }
}

/// At most a few servers initialise and start at once: dozens of suites start theirs together, and on a small
/// machine a herd of `mariadb-install-db` and InnoDB start-ups starves every one of them past its deadline.
actor ServerStartGate {
    static let shared = ServerStartGate(limit: max(2, ProcessInfo.processInfo.activeProcessorCount))
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if running >= limit { await withCheckedContinuation { waiting.append($0) } } else { running += 1 }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await work()
    }
}
