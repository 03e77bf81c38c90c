import Foundation

/// The work directory's layout (mode 0700): the catalog cache, staging of encrypted objects before they fan
/// out, LSN folders for incrementals, the prepared copy of the newest chain, scratch space for drills and
/// restores, tool logs, and the lock that keeps two writers apart.
public struct WorkDirectory: Sendable {
    public let root: String

    public init(_ root: String) throws {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
        let fm = FileManager.default
        for folder in ["", "/staging", "/lsn", "/prepared", "/scratch", "/logs", "/tmp"] {
            do {
                try fm.createDirectory(atPath: self.root + folder, withIntermediateDirectories: true,
                                       attributes: [.posixPermissions: 0o700])
            } catch {
                throw BackupError(.precondition, "cannot create the work directory \(self.root + folder): "
                                  + "\(error.localizedDescription)")
            }
        }
        chmod(self.root, 0o700)
    }

    public var catalogFile: String { root + "/catalog.json" }
    public var staging: String { root + "/staging" }
    public var logs: String { root + "/logs" }
    public var tmp: String { root + "/tmp" }
    public var scratch: String { root + "/scratch" }
    public var alertsFile: String { root + "/alerts.json" }
    public var agentStateFile: String { root + "/agent-state.json" }
    public var binlogStateFile: String { root + "/binlog-state.json" }
    func lsn(_ id: String) -> String { root + "/lsn/" + id }
    func prepared(_ id: String) -> String { root + "/prepared/" + id }
    var preparedRoot: String { root + "/prepared" }
    func log(_ name: String) -> String { logs + "/" + name + ".log" }

    /// A fresh scratch folder (removed by the caller).
    func scratchFolder(_ name: String) throws -> String {
        let path = scratch + "/" + name + "-" + UUID().uuidString.prefix(6).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return path
    }
}

/// An exclusive lock on the work directory (flock), so a scheduled backup and a manual one never write the
/// catalog at the same time. Released when the value is released or the process ends.
public final class WorkLock: @unchecked Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    public static func acquire(_ work: WorkDirectory, waiting: TimeInterval = 0) async throws -> WorkLock {
        let path = work.root + "/lock"
        let descriptor = open(path, O_CREAT | O_RDWR, 0o600)
        guard descriptor >= 0 else { throw BackupError(.precondition, "cannot open the lock file \(path)") }
        let deadline = Date().addingTimeInterval(waiting)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard Date() < deadline else {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                close(descriptor)
                throw BackupError(.precondition, "another dbctl backup command holds \(path) (pid \(holder)); "
                                  + "wait for it to finish")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        return WorkLock(descriptor: descriptor)
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
