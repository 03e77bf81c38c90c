import Foundation

/// The files of dbctl's private CA in `security.tls.directory`: certificates 0644, keys 0600, every file
/// replaced by rename so a reader (the server on `FLUSH SSL`, a client connecting) sees the old file or the
/// new one, never half of one.
public struct TLSDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public var caCertificate: String { path + "/ca.pem" }
    public var caKey: String { path + "/ca-key.pem" }
    /// A CA rotation's new key while both CAs are trusted and the old one still signs.
    public var caNextKey: String { path + "/ca-next-key.pem" }
    /// The old CA's key once the new one signs, kept until the old CA is retired.
    public var caPreviousKey: String { path + "/ca-key.pem.previous" }
    public var serverCertificate: String { path + "/server-cert.pem" }
    public var serverKey: String { path + "/server-key.pem" }
    public func clientCertificate(_ name: String) -> String { path + "/client-\(name)-cert.pem" }
    public func clientKey(_ name: String) -> String { path + "/client-\(name)-key.pem" }

    func exists(_ file: String) -> Bool { FileManager.default.fileExists(atPath: file) }

    /// Removes `file`; a file that is already gone is fine.
    func remove(_ file: String) throws {
        guard unlink(file) == 0 || errno == ENOENT else {
            throw SecurityError(.tls, "\(file): cannot remove: \(String(cString: strerror(errno)))")
        }
    }

    func read(_ file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else { throw SecurityError(.tls, "\(file) cannot be read") }
        return text
    }

    /// Refuses a key file that group or others may read, as ssh does.
    func requirePrivate(_ file: String) throws {
        var info = stat()
        guard stat(file, &info) == 0 else { throw SecurityError(.tls, "\(file) does not exist") }
        guard info.st_mode & 0o077 == 0 else {
            throw SecurityError(
                .tls,
                "\(file) is readable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
    }

    /// Creates the directory (0700) if it is missing; refuses one that others may read, as the keys live there.
    func prepare() throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if !manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            do {
                try manager.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw SecurityError(.tls, "\(path): cannot create the directory: \(error.localizedDescription)")
            }
            return
        }
        guard isDirectory.boolValue else { throw SecurityError(.tls, "\(path) is not a directory") }
    }

    /// Writes `text` to `file` with `mode`, by rename from a temporary file next to it.
    func write(_ text: String, to file: String, mode: mode_t) throws {
        let temporary = file + ".tmp-\(UUID().uuidString.prefix(8))"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: Int(mode)])
        else { throw SecurityError(.tls, "\(file): cannot write (directory \(path))") }
        chmod(temporary, mode)
        guard rename(temporary, file) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SecurityError(.tls, "\(file): cannot replace: \(reason)")
        }
    }
}
