import Foundation

/// Picks what a restore needs from a location's catalog: the closest full ≤ the target, its incrementals,
/// and the binlogs that roll it forward, checking the archive is contiguous up to the target. A target past
/// the last recoverable point is refused with the window named.
public struct RestorePlanner: Sendable {
    public enum Target: Sendable, Equatable {
        case latestBackup
        case backup(String)
        case gtid(GTIDPosition)
        case time(Date)
        /// Everything archived: the newest backup rolled forward through the last archived binlog.
        case latestArchived
    }

    public struct Plan: Sendable {
        public var chain: [BackupRecord]
        public var binlogs: [BinlogRecord]
        /// Replay starts after the backup's GTID position and stops at this GTID (inclusive); a time target
        /// is turned into a GTID once the binlogs are read.
        public var stopGTID: GTIDPosition?
        public var stopTime: Date?
        public var backup: BackupRecord { chain[chain.count - 1] }
    }

    public struct Window: Sendable, CustomStringConvertible {
        public var fromTime: Date
        public var fromGTID: String
        public var toTime: Date?
        public var toGTID: String
        public var description: String {
            "\(Format.time(fromTime)) (GTID \(fromGTID.isEmpty ? "-" : fromGTID)) … \(Format.time(toTime ?? fromTime))"
                + " (GTID \(toGTID.isEmpty ? "-" : toGTID))"
        }
    }

    let catalog: Catalog
    let location: String

    public init(catalog: Catalog, location: String) {
        self.catalog = catalog
        self.location = location
    }

    var backups: [BackupRecord] {
        catalog.backups(in: location).filter { catalog.chain(to: $0.id)?.allSatisfy {
            $0.locations[location]?.status == .stored } == true }
    }

    /// The recoverable window in this location: the oldest restorable backup to the end of the contiguous
    /// binlog archive after the newest backup.
    public func window() -> Window? {
        guard let oldest = backups.first, let newest = backups.last else { return nil }
        let tail = (try? contiguousBinlogs(after: newest, until: nil)) ?? []
        let end = tail.last
        return Window(fromTime: oldest.ended, fromGTID: oldest.gtid, toTime: end?.lastTime ?? newest.ended,
                      toGTID: end?.endGTIDs ?? newest.gtid)
    }

    public func plan(_ target: Target) throws -> Plan {
        let candidates = backups
        guard !candidates.isEmpty else {
            throw BackupError(.notFound, "location \(location) holds no complete backup chain")
        }
        switch target {
        case .latestBackup:
            return Plan(chain: try chain(candidates[candidates.count - 1]), binlogs: [])
        case .backup(let id):
            guard let record = candidates.first(where: { $0.id == id }) else {
                throw BackupError(.notFound, "backup \(id) is not a complete chain in location \(location)")
            }
            return Plan(chain: try chain(record), binlogs: [])
        case .latestArchived:
            let record = candidates[candidates.count - 1]
            let files = try contiguousBinlogs(after: record, until: nil)
            let end = files.last.flatMap { GTIDPosition($0.endGTIDs) }
            return Plan(chain: try chain(record), binlogs: files, stopGTID: end)
        case .gtid(let gtid):
            guard let record = candidates.last(where: { (GTIDPosition($0.gtid) ?? GTIDPosition())
                .isAtOrBefore(gtid) }) else {
                throw outside("GTID \(gtid)")
            }
            if let at = GTIDPosition(record.gtid), gtid.isAtOrBefore(at) {
                return Plan(chain: try chain(record), binlogs: [])
            }
            let files = try contiguousBinlogs(after: record, until: { end in gtid.isAtOrBefore(end) })
            guard let last = files.last, let end = GTIDPosition(last.endGTIDs), gtid.isAtOrBefore(end) else {
                throw outside("GTID \(gtid)")
            }
            return Plan(chain: try chain(record), binlogs: files, stopGTID: gtid)
        case .time(let time):
            guard let record = candidates.last(where: { $0.ended <= time }) else { throw outside(Format.time(time)) }
            let files = try contiguousBinlogs(after: record, until: nil)
            let reach = files.last?.lastTime ?? record.ended
            guard time <= reach else { throw outside(Format.time(time)) }
            let needed = files.prefix { ($0.firstTime ?? .distantPast) <= time }
            return Plan(chain: try chain(record), binlogs: Array(needed), stopTime: time)
        }
    }

    func outside(_ what: String) -> BackupError {
        let window = window().map { "the recoverable window in \(location) is \($0)" } ?? "nothing is recoverable"
        return BackupError(.outOfWindow, "cannot restore to \(what): \(window)")
    }

    func chain(_ record: BackupRecord) throws -> [BackupRecord] {
        guard let chain = catalog.chain(to: record.id) else {
            throw BackupError(.integrity, "the chain of \(record.id) is incomplete in the catalog")
        }
        return chain
    }

    /// The binlogs of the backup's server from the one holding its consistent point on, stopping at the first
    /// hole (a missing file or a GTID list that does not continue the previous file) or once `until` is met.
    func contiguousBinlogs(after record: BackupRecord, until: ((GTIDPosition) -> Bool)?) throws -> [BinlogRecord] {
        let start = GTIDPosition(record.gtid) ?? GTIDPosition()
        let files = catalog.binlogs(in: location).filter { $0.serverID == record.serverID }
        guard let first = files.lastIndex(where: { (GTIDPosition($0.previousGTIDs) ?? GTIDPosition())
            .isAtOrBefore(start) }) else { return [] }
        var chosen: [BinlogRecord] = []
        for file in files[first...] {
            if let previous = chosen.last {
                let continues = file.sequence == previous.sequence + 1
                    && GTIDPosition(previous.endGTIDs) == GTIDPosition(file.previousGTIDs)
                if !continues { break }
            }
            chosen.append(file)
            if let until, let end = GTIDPosition(file.endGTIDs), until(end) { break }
        }
        return chosen
    }
}
