import Foundation

/// Renders a `my.cnf` for one local server: the profile's settings plus this instance's paths and port.
public struct ServerConfigFile: Sendable {
    public var profile: ServerProfile
    public var baseDirectory: String
    public var port: Int
    public var serverID: UInt32
    public var runAsUser: String?
    public var tls: TLSFiles?
    /// Extra `name = value` settings (for tests and tuning). One that the profile also sets replaces the
    /// profile's line (`character-set-server` and `character_set_server` are the same setting); the others
    /// are appended. The last override of a name wins.
    public var overrides: [(String, String)]

    public struct TLSFiles: Sendable, Equatable {
        public var caFile: String
        public var certificateFile: String
        public var keyFile: String
        public init(caFile: String, certificateFile: String, keyFile: String) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    public init(profile: ServerProfile, baseDirectory: String, port: Int, serverID: UInt32, runAsUser: String? = nil,
                tls: TLSFiles? = nil, overrides: [(String, String)] = []) {
        self.profile = profile
        self.baseDirectory = baseDirectory
        self.port = port
        self.serverID = serverID
        self.runAsUser = runAsUser
        self.tls = tls
        self.overrides = overrides
    }

    public var dataDirectory: String { baseDirectory + "/data" }
    public var socketPath: String { baseDirectory + "/mariadb.sock" }
    public var pidFile: String { baseDirectory + "/mariadb.pid" }
    public var errorLog: String { baseDirectory + "/error.log" }
    public var initFile: String { baseDirectory + "/init.sql" }
    public var temporaryDirectory: String { baseDirectory + "/tmp" }

    public func render() -> String {
        var lines = ["# Rendered by Storefront MariaDBServer (profile: \(profile.purpose.rawValue), " +
                     "\(profile.memoryBytes >> 20) MiB, \(profile.cpuCores) cores). See docs/server-config.md.", "[mariadbd]"]
        lines += [
            "datadir = \(dataDirectory)",
            "socket = \(socketPath)",
            "pid_file = \(pidFile)",
            "log_error = \(errorLog)",
            "port = \(port)",
            "bind_address = 127.0.0.1",
            "server_id = \(serverID)",
            "log_bin = \(baseDirectory)/binlog/mariadb-bin",
            "relay_log = \(baseDirectory)/binlog/relay-bin",
            "slow_query_log_file = \(baseDirectory)/slow.log",
            "init_file = \(initFile)",
            "tmpdir = \(temporaryDirectory)",
        ]
        if let runAsUser { lines.append("user = \(runAsUser)") }
        var pending = effectiveOverrides
        for setting in profile.settings {
            if let index = pending.firstIndex(where: { Self.key($0.0) == Self.key(setting.name) }) {
                let (name, value) = pending.remove(at: index)
                lines.append("# overridden (profile: \(setting.value), because: \(setting.reason))")
                lines.append("\(name) = \(value)")
            } else {
                lines.append("# \(setting.reason)")
                lines.append("\(setting.name) = \(setting.value)")
            }
        }
        if let tls {
            lines += ["ssl_ca = \(tls.caFile)", "ssl_cert = \(tls.certificateFile)", "ssl_key = \(tls.keyFile)"]
        }
        for (name, value) in pending { lines.append("\(name) = \(value)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One entry per setting, in first-mention order, each with the last value given for it.
    var effectiveOverrides: [(String, String)] {
        var result: [(String, String)] = []
        for (name, value) in overrides {
            if let index = result.firstIndex(where: { Self.key($0.0) == Self.key(name) }) {
                result[index] = (name, value)
            } else {
                result.append((name, value))
            }
        }
        return result
    }

    /// mariadbd treats `-` and `_` in option names alike.
    static func key(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: "-", with: "_")
    }

    /// An override that would break the file (a line break, a section header, an empty name) or is not an
    /// option name; nil when all are fine.
    public static func problem(in overrides: [(String, String)]) -> String? {
        for (name, value) in overrides {
            let nameIsValid = !name.isEmpty
                && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            if !nameIsValid { return "my.cnf setting name '\(name)' must be letters, digits, '_' or '-'" }
            if value.contains(where: \.isNewline) { return "my.cnf setting \(name) must not contain a line break" }
        }
        return nil
    }
}
