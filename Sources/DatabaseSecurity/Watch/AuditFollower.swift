import Foundation

/// Follows the audit stream's files the way `tail -F` does, so the agent reads each line once rather than
/// every rotated file every minute: the first poll reads what exists (rotated files oldest first), later
/// polls only the bytes appended since. A file replaced under its name (server_audit renames `path` to
/// `path.1` when it rotates) is read to its end under the name it has now, then the new file from its start;
/// a file that shrank is read again from the start. A line still being written waits for its newline.
struct AuditFollower {
    enum Kind { case server, app }

    struct Position {
        var inode: UInt64
        var offset: UInt64
        var line: Int
    }

    let serverLog: String
    let appLogs: [String]
    private var positions: [String: Position] = [:]
    private let parser: DateFormatter

    init(serverLog: String, appLogs: [String], timeZone: TimeZone = .current) {
        self.serverLog = serverLog
        self.appLogs = appLogs
        parser = ServerAuditReader.timeParser(timeZone)
    }

    struct Batch {
        var events: [AuditEvent] = []
        var unreadable: [String] = []
    }

    /// The events written since the last poll, in file order (older files first).
    mutating func poll() -> Batch {
        var batch = Batch()
        follow(serverLog, .server, rotated: ServerAuditReader(path: serverLog).files(), &batch)
        for log in appLogs { follow(log, .app, rotated: [log], &batch) }
        return batch
    }

    /// `files`: the log's files oldest first, the live one last.
    private mutating func follow(_ path: String, _ kind: Kind, rotated files: [String], _ batch: inout Batch) {
        guard let live = Self.inode(path) else { return }
        if var known = positions[path] {
            if known.inode != live {
                // Rotated: finish the file we were reading under its new name, then start the new one.
                if let moved = files.first(where: { $0 != path && Self.inode($0) == known.inode }) {
                    read(moved, kind, from: &known, &batch)
                } else {
                    batch.unreadable.append("\(path): rotated away before its last lines were read")
                }
                known = Position(inode: live, offset: 0, line: 0)
            }
            read(path, kind, from: &known, &batch)
            positions[path] = known
            return
        }
        for file in files where file != path {
            var position = Position(inode: 0, offset: 0, line: 0)
            read(file, kind, from: &position, &batch)
        }
        var position = Position(inode: live, offset: 0, line: 0)
        read(path, kind, from: &position, &batch)
        positions[path] = position
    }

    private func read(_ file: String, _ kind: Kind, from position: inout Position, _ batch: inout Batch) {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            batch.unreadable.append("\(file): cannot be read")
            return
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        if size < position.offset { position = Position(inode: position.inode, offset: 0, line: 0) }
        guard size > position.offset, (try? handle.seek(toOffset: position.offset)) != nil,
            let data = try? handle.read(upToCount: Int(size - position.offset)),
            let end = data.lastIndex(of: 0x0A)
        else { return }
        let complete = data[data.startIndex...end]
        for line in complete.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            position.line += 1
            let origin = "\(file):\(position.line)"
            let event: AuditEvent? =
                kind == .server
                ? ServerAuditReader.parse(String(decoding: line, as: UTF8.self), parser: parser, origin: origin)
                : AppAuditReader.parse(Data(line), origin: origin)
            if let event { batch.events.append(event) } else if !line.isEmpty { batch.unreadable.append(origin) }
        }
        position.offset += UInt64(complete.count)
    }

    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }
}
