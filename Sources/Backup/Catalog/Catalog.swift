import Foundation

/// Every backup, archived binlog and drill, kept as one document: a plaintext cache in the work directory
/// and, encrypted and authenticated, twice in every location (`catalog.sealed`, `catalog.copy.sealed`), so
/// a location alone is enough to restore from.
public struct Catalog: Codable, Sendable, Equatable {
    public var version = 1
    public var backups: [BackupRecord] = []
    public var binlogs: [BinlogRecord] = []
    public var drills: [DrillRecord] = []
    public var updated = Date(timeIntervalSince1970: 0)

    public init() {}

    public static let objectKey = "catalog.sealed"
    public static let copyKey = "catalog.copy.sealed"
    public static let identity = "dbctl-catalog"

    public func backup(_ id: String) -> BackupRecord? { backups.first { $0.id == id } }

    public mutating func upsert(_ record: BackupRecord) {
        if let index = backups.firstIndex(where: { $0.id == record.id }) { backups[index] = record } else {
            backups.append(record)
            backups.sort { $0.ended < $1.ended }
        }
    }

    public mutating func upsert(_ record: BinlogRecord) {
        if let index = binlogs.firstIndex(where: { $0.name == record.name && $0.serverID == record.serverID }) {
            binlogs[index] = record
        } else {
            binlogs.append(record)
            binlogs.sort { ($0.serverID, $0.sequence) < ($1.serverID, $1.sequence) }
        }
    }

    /// The chain ending at `id`: its full first, then each incremental in order.
    public func chain(to id: String) -> [BackupRecord]? {
        var chain: [BackupRecord] = []
        var next: String? = id
        while let current = next {
            guard let record = backup(current) else { return nil }
            chain.insert(record, at: 0)
            next = record.parent
            if chain.count > backups.count { return nil }
        }
        return chain
    }

    /// Backups stored in `location`, oldest first.
    public func backups(in location: String) -> [BackupRecord] {
        backups.filter { $0.locations[location]?.status == .stored }
    }

    public func binlogs(in location: String) -> [BinlogRecord] {
        binlogs.filter { $0.locations[location]?.status == .stored }
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
