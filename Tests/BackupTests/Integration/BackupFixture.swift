import AsyncHTTPClient
import Backup
import BackupTestSupport
import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer

/// One backup set-up for a test: a least-privilege backup account on the suite's server, a key file, the
/// locations asked for (a directory; a private sshd for SFTP; a local S3 from moto), a configuration file
/// written as a user would, and the environment built from it. `shutdown` stops and removes all of it.
final class BackupFixture: @unchecked Sendable {
    enum Kind: String, CaseIterable, Sendable { case posix, sftp, s3 }

    let root: String
    let server: MariaDBServer
    let client: HTTPClient
    let configFile: String
    let keyFile: String
    var environment: BackupEnvironment
    var sftp: SFTPServer?
    var s3: S3Server?
    let kinds: [Kind]

    private init(
        root: String, server: MariaDBServer, client: HTTPClient, configFile: String, keyFile: String,
        environment: BackupEnvironment, sftp: SFTPServer?, s3: S3Server?, kinds: [Kind]
    ) {
        self.root = root
        self.server = server
        self.client = client
        self.configFile = configFile
        self.keyFile = keyFile
        self.environment = environment
        self.sftp = sftp
        self.s3 = s3
        self.kinds = kinds
    }

    static func make(
        server: MariaDBServer, kinds: [Kind] = [.posix], extraBackup: String = "",
        alerts: String = "", urlOptions: String = "", now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> BackupFixture {
        let root = NSTemporaryDirectory() + "dbctl-backup-test-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var sftp: SFTPServer?
        var s3: S3Server?
        do {
            let user = "backup_\(UUID().uuidString.prefix(6).lowercased())"
            let passwordFile = root + "/backup.pw"
            try Self.secret("pw-\(UUID().uuidString)", to: passwordFile)
            var admin = server.adminConfiguration()
            admin.database = nil
            try await BackupAccount(user: user, host: "127.0.0.1")
                .apply(
                    admin: admin,
                    password: try String(contentsOfFile: passwordFile, encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines))
            let keyFile = root + "/backup.key"
            _ = try KeyRing.create(path: keyFile)
            var locations: [String] = []
            for kind in kinds {
                switch kind {
                case .posix:
                    locations.append("    - {name: local, type: posix, path: \(root)/repo}")
                case .sftp:
                    let started = try await SFTPServer.start()
                    sftp = started
                    locations.append(
                        "    - {name: vault, type: sftp, host: 127.0.0.1, port: \(started.port), "
                            + "user: \(started.user), identity_file: \(started.identityFile), "
                            + "known_hosts_file: \(started.knownHostsFile), path: \(started.dataDirectory)/backups}")
                case .s3:
                    let started = try await S3Server.start(bucket: "shop-backups")
                    s3 = started
                    locations.append(
                        "    - {name: offsite, type: s3, endpoint: \"\(started.endpoint)\", "
                            + "bucket: shop-backups, region: us-east-1, access_key_file: \(started.accessKeyFile), "
                            + "secret_key_file: \(started.secretKeyFile)}")
                }
            }
            let yaml = """
                server: {url: "mysql://\(user)@127.0.0.1:\(server.port)/\(urlOptions)", password_file: \(passwordFile), \
                data_dir: \(server.config.dataDirectory)}
                backup:
                  work_dir: \(root)/work
                  key_file: \(keyFile)
                  locations:
                \(locations.joined(separator: "\n"))
                \(extraBackup)
                \(alerts)
                """
            let configFile = root + "/dbctl.yaml"
            try yaml.write(toFile: configFile, atomically: true, encoding: .utf8)
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton, configuration: S3Location.httpClientConfiguration())
            let environment = try BackupEnvironment(
                configuration: try DbctlConfiguration.load(path: configFile),
                httpClient: client, output: { _ in }, now: now)
            return BackupFixture(
                root: root, server: server, client: client, configFile: configFile, keyFile: keyFile,
                environment: environment, sftp: sftp, s3: s3, kinds: kinds)
        } catch {
            await sftp?.stop()
            await s3?.stop()
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
    }

    static func secret(_ text: String, to path: String) throws {
        FileManager.default.createFile(
            atPath: path, contents: Data((text + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
    }

    /// Rebuilds the environment from the configuration file (after the key file changed, say).
    func reload(now: @escaping @Sendable () -> Date = { Date() }) throws {
        environment = try BackupEnvironment(
            configuration: try DbctlConfiguration.load(path: configFile),
            httpClient: client, output: { _ in }, now: now)
    }

    func location(_ kind: Kind) throws -> any BackupLocation {
        let name =
            switch kind {
            case .posix: "local"
            case .sftp: "vault"
            case .s3: "offsite"
            }
        return try environment.location(named: name)
    }

    var repository: String { root + "/repo" }

    func shutdown() async {
        await sftp?.stop()
        await s3?.stop()
        try? await client.shutdown()
        try? FileManager.default.removeItem(atPath: root)
    }
}

extension BackupFixture {
    /// Makes a fixture, runs `body`, and shuts everything down whether it passed or threw.
    static func with(
        server: MariaDBServer, kinds: [Kind] = [.posix], extraBackup: String = "", alerts: String = "",
        urlOptions: String = "", now: @escaping @Sendable () -> Date = { Date() },
        _ body: (BackupFixture) async throws -> Void
    ) async throws {
        let fixture = try await make(
            server: server, kinds: kinds, extraBackup: extraBackup, alerts: alerts, urlOptions: urlOptions, now: now)
        do {
            try await body(fixture)
        } catch {
            await fixture.shutdown()
            throw error
        }
        await fixture.shutdown()
    }
}
