import Foundation

/// A consistent copy of the live file and the change-log position it stands for.
///
/// `VACUUM INTO` writes the copy from one read transaction: in WAL mode the shop's writers go on while it
/// runs, and the copy carries the change log as of that instant, so its highest `seq` is exactly the
/// position the applier starts after. The copy is then a file nobody writes, and the offline path (plan,
/// exact conversion, parallel copy, verification) runs on it unchanged. The alternative, one long read
/// transaction over the live file for the whole copy, would hold back WAL checkpoints (the -wal file grows
/// without bound while the copy runs) and tie the copy's speed to the shop's load.
public struct Snapshot: Sendable {
    public var path: String
    /// The last change the copy includes; the applier applies every change after it.
    public var position: Int64
    public var seconds: Double
    public var bytes: Int

    /// The scratch file's default place: next to the source (same filesystem, so the space check below
    /// is about the right disk).
    public static func defaultPath(for source: String) -> String { source + ".dbctl-snapshot" }

    /// Takes the snapshot and removes the tool's capture from the copy (its triggers, change log and
    /// metadata), so the copy holds the application's schema only.
    public static func take(of live: SQLiteSource, into path: String) throws -> Snapshot {
        let started = Date()
        let sourceBytes = ((try? FileManager.default.attributesOfItem(atPath: live.path))?[.size] as? Int) ?? 0
        let directory = (path as NSString).deletingLastPathComponent
        if let free = try? FileManager.default.attributesOfFileSystem(forPath: directory.isEmpty ? "." : directory)[
            .systemFreeSize]
            as? Int, free < sourceBytes + sourceBytes / 10
        {
            throw MigrationError(
                "snapshot \(path): \(free / 1_048_576) MiB free, the copy needs about \(sourceBytes / 1_048_576) "
                    + "MiB; pass --snapshot-file on a larger disk"
            )
        }
        // Written under a temporary name and renamed when complete: a run killed meanwhile leaves no file
        // that looks like a snapshot.
        let partial = path + ".partial"
        discard(path)
        discard(partial)
        try live.execute("VACUUM INTO ?", binds: [.text(Array(partial.utf8))])
        let copy = try SQLiteSource(path: partial, writable: true)
        let position: Int64
        if case .integer(let seq) = try copy.scalar(ChangeLog.highWaterSQL) {
            position = seq
        } else {
            position = 0
        }
        try ChangeCapture.remove(from: copy)
        copy.close()
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        return Snapshot(path: path, position: position, seconds: Date().timeIntervalSince(started), bytes: bytes)
    }

    public static func discard(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
