import Foundation

/// Copies what a location missed while it was down from a location that has it (the objects are already
/// encrypted, so they are copied as they are), then rewrites that location's manifests and catalog. Run by
/// every backup verb and by the agent, so a "partial" backup becomes complete once the location is back.
public struct CatchUp: Sendable {
    public let environment: BackupEnvironment

    public init(environment: BackupEnvironment) { self.environment = environment }

    public struct Outcome: Sendable {
        public var copied: [String] = []
        public var problems: [String] = []
    }

    public func run() async throws -> Outcome {
        let store = CatalogStore(environment: environment)
        var catalog = try await store.load()
        var outcome = Outcome()
        let vault = Vault(environment: environment)
        for target in environment.locations {
            guard (try? await target.check()) != nil else { continue }
            for var record in catalog.backups where record.locations[target.name]?.status != .stored
                && record.locations[target.name]?.status != .expired {
                guard let source = environment.locations.first(where: {
                    record.locations[$0.name]?.status == .stored }) else { continue }
                do {
                    for object in record.objects { try await copy(object, from: source, to: target) }
                    var manifest = record
                    manifest.locations = [:]
                    try await vault.storeDocument(try Catalog.encoder().encode(manifest),
                                                  key: Publisher.manifestKey(record.id),
                                                  copyKey: Publisher.manifestCopyKey(record.id),
                                                  identity: Publisher.manifestIdentity(record.id), in: target)
                    record.locations[target.name] = LocationState(status: .stored, at: environment.now())
                    catalog.upsert(record)
                    outcome.copied.append("backup \(record.id) → \(target.name)")
                    environment.output("caught up: backup \(record.id) copied from \(source.name) to \(target.name)")
                } catch {
                    outcome.problems.append("catching up \(record.id) in \(target.name): \(error)")
                }
            }
            for var record in catalog.binlogs where record.locations[target.name]?.status != .stored
                && record.locations[target.name]?.status != .expired {
                guard let source = environment.locations.first(where: {
                    record.locations[$0.name]?.status == .stored }) else { continue }
                do {
                    try await copy(record.object, from: source, to: target)
                    record.locations[target.name] = LocationState(status: .stored, at: environment.now())
                    catalog.upsert(record)
                    outcome.copied.append("binlog \(record.name) → \(target.name)")
                    environment.output("caught up: binlog \(record.name) copied from \(source.name) to \(target.name)")
                } catch {
                    outcome.problems.append("catching up binlog \(record.name) in \(target.name): \(error)")
                }
            }
        }
        if !outcome.copied.isEmpty { try await store.save(catalog) }
        return outcome
    }

    func copy(_ object: ObjectRecord, from source: any BackupLocation, to target: any BackupLocation) async throws {
        let file = environment.work.staging + "/catchup-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await Vault(environment: environment).download(object, from: source, to: file)
        _ = try await target.put(object.key, fromFile: file)
    }
}
