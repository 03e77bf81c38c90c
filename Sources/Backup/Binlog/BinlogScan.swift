import Foundation

/// What `mariadb-binlog -c` (checksums verified; a corrupt or truncated file fails) says about one binlog
/// file: the GTID list it starts from and every GTID in it with its event time (UTC).
struct BinlogScan: Sendable, Equatable {
    var previous = GTIDPosition()
    var gtids: [(gtid: GTIDPosition.GTID, time: Date)] = []
    var firstEventTime: Date?
    var lastEventTime: Date?

    static func == (lhs: BinlogScan, rhs: BinlogScan) -> Bool {
        lhs.previous == rhs.previous && lhs.gtids.map(\.gtid) == rhs.gtids.map(\.gtid)
    }

    var end: GTIDPosition {
        var position = previous
        for entry in gtids { position.advance(entry.gtid) }
        return position
    }

    /// Runs mariadb-binlog over a local file and parses its event headers as they stream by.
    static func scan(file: String, log: String) throws -> BinlogScan {
        let tool = ToolProcess(executable: try ToolProcess.find("mariadb-binlog"),
                               arguments: ["--no-defaults", "--verify-binlog-checksum", file])
        let process = tool.makeProcess()
        let pipe = Pipe()
        let logHandle = try ToolProcess.append(to: log)
        defer { try? logHandle.close() }
        process.standardOutput = pipe
        process.standardError = logHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var scan = BinlogScan()
        var pending = Data()
        let reader = pipe.fileHandleForReading
        var inGtidList = false
        var listText = ""
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                scan.consume(line, inGtidList: &inGtidList, listText: &listText)
            }
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BackupError(.integrity, "binlog \((file as NSString).lastPathComponent) fails its checksum or is "
                              + "truncated: mariadb-binlog -c exited \(process.terminationStatus): "
                              + ToolProcess.tail(of: log, lines: 2))
        }
        return scan
    }

    /// Event header lines look like `#261202 16:11:13 server id 1  end_log_pos 386 CRC32 0x8c5b1a8c \tGTID 0-1-2 trans`
    /// and the list `... \tGtid list [0-1-41,1-2-3]` (long lists may continue on `# ` lines).
    mutating func consume(_ line: String, inGtidList: inout Bool, listText: inout String) {
        if inGtidList {
            listText += line.hasPrefix("#") ? String(line.dropFirst()) : line
            if line.contains("]") { finishList(listText); inGtidList = false }
            return
        }
        guard line.hasPrefix("#"), line.contains("server id"), let time = Self.time(line) else { return }
        if firstEventTime == nil { firstEventTime = time }
        lastEventTime = time
        if let range = line.range(of: "Gtid list [") {
            listText = String(line[range.upperBound...])
            if listText.contains("]") { finishList(listText) } else { inGtidList = true }
        } else if let range = line.range(of: "\tGTID ") ?? line.range(of: " GTID ") {
            let rest = line[range.upperBound...].split(separator: " ").first ?? ""
            if let gtid = GTIDPosition.GTID(rest) { gtids.append((gtid, time)) }
        }
    }

    mutating func finishList(_ text: String) {
        let inside = text.split(separator: "]").first.map(String.init) ?? ""
        previous = GTIDPosition(inside) ?? GTIDPosition()
    }

    /// `#261202 16:11:13` (mariadb-binlog prints times in the local zone; the process runs it with TZ=UTC).
    static func time(_ line: String) -> Date? {
        let parts = line.dropFirst().split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].count == 6, let digits = Int(parts[0]) else { return nil }
        let clock = parts[1].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        var components = DateComponents()
        components.year = 2000 + digits / 10000
        components.month = digits / 100 % 100
        components.day = digits % 100
        components.hour = clock[0]
        components.minute = clock[1]
        components.second = clock[2]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }
}
