import Foundation

/// Renders a `my.cnf` for one local server: the profile's settings plus this instance's paths and port.
public struct ServerConfigFile: Sendable {
    public var profile: ServerProfile
    public var baseDirectory: String
    public var port: Int
    public var serverID: UInt32
    public var runAsUser: String?
    public var tls: TLSFiles?
    /// Extra `name = value` lines, appended last so they override the profile (for tests and tuning).
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
        for setting in profile.settings {
            lines.append("# \(setting.reason)")
            lines.append("\(setting.name) = \(setting.value)")
        }
        if let tls {
            lines += ["ssl_ca = \(tls.caFile)", "ssl_cert = \(tls.certificateFile)", "ssl_key = \(tls.keyFile)"]
        }
        for (name, value) in overrides { lines.append("\(name) = \(value)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
