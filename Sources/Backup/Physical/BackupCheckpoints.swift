import Foundation

/// What mariadb-backup wrote beside its stream (`--extra-lsndir`): the LSN range (`xtrabackup_checkpoints`)
/// and the consistent point (`xtrabackup_info`: binlog file, position and GTID, versions, times).
struct BackupCheckpoints: Sendable, Equatable {
    var backupType: String
    var fromLSN: UInt64
    var toLSN: UInt64
    var lastLSN: UInt64
    var checkpointsText: String
    var binlogFile: String?
    var binlogPosition: UInt64?
    var gtid: String
    var serverVersion: String
    var toolVersion: String

    static let checkpointsFile = "xtrabackup_checkpoints"
    static let infoFile = "xtrabackup_info"

    static func read(directory: String) throws -> BackupCheckpoints {
        let checkpointsPath = directory + "/" + checkpointsFile
        guard let checkpoints = try? String(contentsOfFile: checkpointsPath, encoding: .utf8) else {
            throw BackupError(.tool, "mariadb-backup wrote no \(checkpointsFile) in \(directory)")
        }
        let info = (try? String(contentsOfFile: directory + "/" + infoFile, encoding: .utf8)) ?? ""
        let values = pairs(checkpoints)
        let infoValues = pairs(info)
        let (file, position, gtid) = binlogPosition(infoValues["binlog_pos"] ?? "")
        return BackupCheckpoints(
            backupType: values["backup_type"] ?? "", fromLSN: UInt64(values["from_lsn"] ?? "") ?? 0,
            toLSN: UInt64(values["to_lsn"] ?? "") ?? 0, lastLSN: UInt64(values["last_lsn"] ?? "") ?? 0,
            checkpointsText: checkpoints, binlogFile: file, binlogPosition: position, gtid: gtid,
            serverVersion: infoValues["server_version"] ?? "", toolVersion: infoValues["tool_version"] ?? "")
    }

    /// `key = value` lines.
    static func pairs(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            result[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    /// `filename 'mariadb-bin.000002', position '1234', GTID of the last change '0-1-12'`
    static func binlogPosition(_ text: String) -> (String?, UInt64?, String) {
        let quoted = text.split(separator: "'", omittingEmptySubsequences: false)
        // Quoted values sit at the odd indexes.
        let values = stride(from: 1, to: quoted.count, by: 2).map { String(quoted[$0]) }
        let file = values.first
        let position = values.count > 1 ? UInt64(values[1]) : nil
        let gtid = values.count > 2 ? values[2] : ""
        return (file, position, gtid)
    }

    /// Writes an `xtrabackup_checkpoints` for `--incremental-basedir` from a catalog record, so the next
    /// incremental can be taken even when the work directory was lost.
    static func writeBaseDirectory(_ record: BackupRecord, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try record.checkpoints.write(toFile: directory + "/" + checkpointsFile, atomically: true, encoding: .utf8)
    }
}
