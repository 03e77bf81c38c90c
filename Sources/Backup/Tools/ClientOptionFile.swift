import Foundation
import MariaDB

/// A `--defaults-extra-file` for MariaDB's own tools, mode 0600 in the work directory, so the password never
/// appears on a command line or in the environment. Removed when done. The connection's TLS settings go with
/// it: the tools' `ssl-verify-server-cert` checks the chain and the name, so `verify-ca` is as strict as
/// `verify-identity` there (MariaDB's clients have no chain-only check); the tools never fall back to plaintext
/// where the connection requires TLS.
struct ClientOptionFile {
    let path: String

    static func write(_ configuration: MariaDBConfiguration, in directory: String) throws -> ClientOptionFile {
        var lines = ["[client]", "user=\(quote(configuration.username))"]
        if let password = configuration.password { lines.append("password=\(quote(password))") }
        if let socket = configuration.unixSocket {
            lines.append("socket=\(quote(socket))")
        } else {
            lines += ["host=\(quote(configuration.host))", "port=\(configuration.port)", "protocol=TCP"]
        }
        lines += tlsLines(configuration.tls)
        let path = directory + "/client-\(UUID().uuidString.prefix(8)).cnf"
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else {
            throw BackupError(.precondition, "cannot write a client option file in \(directory)")
        }
        return ClientOptionFile(path: path)
    }

    static func tlsLines(_ tls: MariaDBConfiguration.TLS) -> [String] {
        var lines: [String] = []
        switch tls.mode {
        case .disable: return []  // the tools' own default (TLS when the server offers it)
        case .prefer, .require: lines.append("ssl")
        case .verifyCA, .verifyIdentity: lines += ["ssl", "ssl-verify-server-cert"]
        }
        if let ca = tls.caFile { lines.append("ssl-ca=\(quote(ca))") }
        if let certificate = tls.certificateFile { lines.append("ssl-cert=\(quote(certificate))") }
        if let key = tls.keyFile { lines.append("ssl-key=\(quote(key))") }
        if let versions = tls.versions { lines.append("tls-version=\(quote(versions))") }
        return lines
    }

    /// Option-file values in double quotes, with `\` and `"` escaped the way MariaDB reads them.
    static func quote(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    var argument: String { "--defaults-extra-file=\(path)" }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
