import Foundation

/// `dbctl backup list`: chains with sizes, consistent points and state per location, the archived binlogs,
/// the recoverable window per location, and the last drills — pgBackRest's `info`, per location.
public struct Listing: Sendable, Codable {
    public struct Backup: Sendable, Codable {
        public var id: String
        public var kind: String
        public var parent: String?
        public var ended: Date
        public var gtid: String
        public var binlogFile: String?
        public var binlogPosition: UInt64?
        public var bytes: UInt64
        public var storedBytes: UInt64
        public var seconds: Double
        public var keyID: String
        public var locations: [String: String]
    }

    public struct Location: Sendable, Codable {
        public var name: String
        public var kind: String
        public var backups: Int
        public var binlogs: Int
        public var windowFrom: Date?
        public var windowFromGTID: String?
        public var windowTo: Date?
        public var windowToGTID: String?
        public var lastDrill: DrillRecord?
    }

    public var backups: [Backup]
    public var binlogCount: Int
    public var binlogFirst: String?
    public var binlogLast: String?
    public var locations: [Location]

    public init(catalog: Catalog, environment: BackupEnvironment) {
        backups = catalog.backups.map { record in
            Backup(
                id: record.id, kind: record.kind.rawValue, parent: record.parent, ended: record.ended,
                gtid: record.gtid, binlogFile: record.binlogFile, binlogPosition: record.binlogPosition,
                bytes: record.totalPlainBytes, storedBytes: record.totalCipherBytes, seconds: record.backupSeconds,
                keyID: record.objects.first?.wrappedKey.keyID ?? "",
                locations: record.locations.mapValues { state in
                    state.status == .missing ? "missing: \(state.error ?? "")" : state.status.rawValue
                })
        }
        binlogCount = catalog.binlogs.count
        binlogFirst = catalog.binlogs.first?.name
        binlogLast = catalog.binlogs.last?.name
        locations = environment.locations.map { location in
            let window = RestorePlanner(catalog: catalog, location: location.name).window()
            return Location(
                name: location.name, kind: location.kind,
                backups: catalog.backups(in: location.name).count,
                binlogs: catalog.binlogs(in: location.name).count, windowFrom: window?.fromTime,
                windowFromGTID: window?.fromGTID, windowTo: window?.toTime, windowToGTID: window?.toGTID,
                lastDrill: catalog.drills.last { $0.location == location.name })
        }
    }

    public var text: String {
        var lines: [String] = []
        lines.append("backups (\(backups.count)):")
        for backup in backups {
            let indent = backup.kind == "full" ? "  " : "    "
            let places = backup.locations.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                .joined(separator: ", ")
            lines.append(
                "\(indent)\(backup.id) \(backup.kind) \(Format.bytes(backup.bytes)) (stored "
                    + "\(Format.bytes(backup.storedBytes))) at \(Format.time(backup.ended)) GTID "
                    + "\(backup.gtid.isEmpty ? "-" : backup.gtid) key \(backup.keyID) [\(places)]")
        }
        lines.append("binlogs: \(binlogCount) archived" + (binlogFirst.map { " (\($0) … \(binlogLast ?? $0))" } ?? ""))
        for location in locations {
            let window =
                location.windowFrom.map {
                    "\(Format.time($0)) (GTID \(location.windowFromGTID ?? "-")) … \(Format.time(location.windowTo)) "
                        + "(GTID \(location.windowToGTID ?? "-"))"
                } ?? "nothing restorable"
            lines.append(
                "location \(location.name) (\(location.kind)): \(location.backups) backups, "
                    + "\(location.binlogs) binlogs; recoverable \(window)")
            if let drill = location.lastDrill {
                lines.append(
                    "  last drill \(Format.time(drill.at)) of \(drill.backupID): "
                        + (drill.succeeded ? "ok" : "FAILED") + ", restore \(Format.seconds(drill.restoreSeconds)), "
                        + "\(drill.tablesChecked) tables checked")
            }
        }
        return lines.joined(separator: "\n")
    }
}
