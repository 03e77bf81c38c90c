import AsyncHTTPClient
import DbctlConfig
import Foundation
import MariaDB

/// Everything a backup verb works with, built from the configuration file: the server connection, the key
/// ring, the locations, the work directory, where progress goes, and the clock (simulated in tests).
public struct BackupEnvironment: Sendable {
    public let configuration: DbctlConfiguration
    public let section: BackupSection
    public let server: ServerSection?
    public let keyRing: KeyRing
    public let locations: [any BackupLocation]
    public let work: WorkDirectory
    public let output: @Sendable (String) -> Void
    public let now: @Sendable () -> Date
    /// For S3 locations and webhook alerts; owned (and shut down) by the caller.
    public let httpClient: HTTPClient

    public init(configuration: DbctlConfiguration, httpClient: HTTPClient,
                output: @escaping @Sendable (String) -> Void = { print($0) },
                now: @escaping @Sendable () -> Date = { Date() }) throws {
        // Encrypted streams are written into pipes to tools; a tool that dies must be an error, not a signal.
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        section = try configuration.requireBackup(for: "backup")
        server = configuration.server
        do {
            keyRing = try KeyRing.load(path: section.keyFile)
        } catch {
            throw BackupError(.precondition, "backup.key_file: \(error)")
        }
        locations = try section.locations.map { try LocationFactory.make($0, httpClient: httpClient) }
        work = try WorkDirectory(section.workDirectory)
        self.output = output
        self.now = now
        self.httpClient = httpClient
    }

    /// The server's connection settings (password from its file), or an error naming the missing section.
    public func serverConfiguration() throws -> MariaDBConfiguration {
        let server = try configuration.requireServer(for: "backup")
        var configuration = try MariaDBConfiguration(url: server.url)
        if let file = server.passwordFile { try configuration.loadPassword(fromFile: file) }
        return configuration
    }

    public func location(named name: String) throws -> any BackupLocation {
        guard let location = locations.first(where: { $0.name == name }) else {
            let names = locations.map(\.name).joined(separator: ", ")
            throw BackupError(.invalidArgument, "no location named \(name) in \(configuration.file) (have: \(names))")
        }
        return location
    }
}

/// Builds the storage layer of one configured location.
enum LocationFactory {
    static func make(_ config: LocationConfig, httpClient: HTTPClient) throws -> any BackupLocation {
        switch config.kind {
        case .posix(let path):
            return PosixLocation(name: config.name, path: path)
        case let .sftp(host, port, user, identityFile, knownHostsFile, path):
            return SFTPLocation(name: config.name, host: host, port: port, user: user, identityFile: identityFile,
                                knownHostsFile: knownHostsFile, path: path)
        case let .s3(endpoint, bucket, region, accessKeyFile, secretKeyFile, prefix):
            guard let url = URL(string: endpoint), url.scheme != nil else {
                throw BackupError(.invalidArgument, "location \(config.name): endpoint \(endpoint) is not a URL")
            }
            return try S3Location(name: config.name, endpoint: url, bucket: bucket, region: region,
                                  accessKeyFile: accessKeyFile, secretKeyFile: secretKeyFile, prefix: prefix,
                                  httpClient: httpClient)
        }
    }
}

extension BackupEnvironment {
    /// The same environment with another key ring (after a rotation).
    init(rebinding other: BackupEnvironment, keyRing: KeyRing) throws {
        self.configuration = other.configuration
        self.section = other.section
        self.server = other.server
        self.keyRing = keyRing
        self.locations = other.locations
        self.work = other.work
        self.output = other.output
        self.now = other.now
        self.httpClient = other.httpClient
    }
}
