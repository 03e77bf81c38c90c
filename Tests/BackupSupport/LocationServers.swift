import Foundation
import Testing

/// The SFTP and S3 servers of one test suite, started before its first test and stopped (their files
/// removed) after its last, whether the tests passed or not. Apply with `@Suite(.locationServers)`; read with
/// `LocationServers.require()`.
public struct LocationServers: Sendable {
    public let sftp: SFTPServer
    public let s3: S3Server

    @TaskLocal public static var current: LocationServers?

    /// The suite's servers; fails the test (never skips it) when the suite has no `.locationServers` trait.
    public static func require() throws -> LocationServers {
        guard let current else {
            throw TestServerError("this test needs the location servers: add .locationServers to its suite")
        }
        return current
    }
}

public struct LocationServersTrait: SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let sftp = try await SFTPServer.start()
        let s3: S3Server
        do {
            s3 = try await S3Server.start()
        } catch {
            await sftp.stop()
            throw error
        }
        do {
            try await LocationServers.$current.withValue(LocationServers(sftp: sftp, s3: s3)) { try await function() }
        } catch {
            await sftp.stop()
            await s3.stop()
            throw error
        }
        await sftp.stop()
        await s3.stop()
    }
}

extension Trait where Self == LocationServersTrait {
    /// A private sshd and moto_server for the suite.
    public static var locationServers: LocationServersTrait { LocationServersTrait() }
}
