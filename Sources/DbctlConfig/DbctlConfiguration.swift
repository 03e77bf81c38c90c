import Foundation
import Yams

/// The one configuration file of dbctl (YAML). Each verb reads its own section; unknown keys anywhere are
/// errors naming the key, and secrets are only ever paths to files.
///
/// ```yaml
/// server: {url: "mysql://backup@127.0.0.1:3306/", password_file: /etc/dbctl/backup.pw}
/// backup: {work_dir: /var/lib/dbctl, key_file: /etc/dbctl/backup.key, locations: [...]}
/// alerts: [{type: webhook, url: "http://127.0.0.1:9099/alerts"}]
/// ```
public struct DbctlConfiguration: Sendable, Equatable {
    public var file: String
    public var server: ServerSection?
    public var backup: BackupSection?
    public var alerts: [AlertChannelConfig]
    public var agent: AgentSection
    public var security: SecuritySection?

    public init(
        file: String, server: ServerSection? = nil, backup: BackupSection? = nil,
        alerts: [AlertChannelConfig] = [], agent: AgentSection = AgentSection(),
        security: SecuritySection? = nil
    ) {
        self.security = security
        self.file = file
        self.server = server
        self.backup = backup
        self.alerts = alerts
        self.agent = agent
    }

    public static func load(path: String) throws -> DbctlConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(.unreadable, file: path, key: "", "cannot read the configuration file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> DbctlConfiguration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            let reason = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw ConfigurationError(.syntax, file: file, key: "", "not valid YAML: \(reason)")
        }
        guard let node else { throw ConfigurationError(.syntax, file: file, key: "", "the file is empty") }
        let map = try YAMLReader(file: file, key: "", node: node)
            .mapping(allowed: ["server", "backup", "alerts", "agent", "security"])
        return DbctlConfiguration(
            file: file,
            server: try map.child("server").map(ServerSection.read),
            backup: try map.child("backup").map(BackupSection.read),
            alerts: try map.child("alerts")?.sequence().map(AlertChannelConfig.read) ?? [],
            agent: try map.child("agent").map(AgentSection.read) ?? AgentSection(),
            security: try map.child("security").map(SecuritySection.read))
    }

    /// The `server` section, or an error naming what needs it.
    public func requireServer(for verb: String) throws -> ServerSection {
        guard let server else {
            throw ConfigurationError(.missingKey, file: file, key: "server", "\(verb) needs a server section")
        }
        return server
    }

    /// The credential set called `name` in `security.credentials`.
    public func requireCredentials(_ name: String, for verb: String) throws -> CredentialSet {
        guard let set = security?.credentials.first(where: { $0.name == name }) else {
            let known = security?.credentials.map(\.name).joined(separator: ", ") ?? ""
            throw ConfigurationError(
                .missingKey, file: file, key: "security.credentials",
                "\(verb): no credential set named \(name) (configured: \(known.isEmpty ? "none" : known))")
        }
        return set
    }

    public func requireBackup(for verb: String) throws -> BackupSection {
        guard let backup else {
            throw ConfigurationError(.missingKey, file: file, key: "backup", "\(verb) needs a backup section")
        }
        return backup
    }
}
