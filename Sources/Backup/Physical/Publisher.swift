import Foundation

/// Uploads a prepared backup's objects and its manifest (sealed, twice) to every location and records the
/// outcome per location in the catalog: a location that fails leaves the backup "partial" there until a
/// later run catches it up.
struct Publisher: Sendable {
    let environment: BackupEnvironment

    static func manifestKey(_ id: String) -> String { "backups/\(id)/manifest.sealed" }
    static func manifestCopyKey(_ id: String) -> String { "backups/\(id)/manifest.copy.sealed" }
    static func manifestIdentity(_ id: String) -> String { "dbctl-manifest|\(id)" }

    func publish(_ record: BackupRecord, stagedFiles: [String]) async -> BackupRecord {
        var record = record
        let vault = Vault(environment: environment)
        var states: [String: LocationState] = [:]
        for location in environment.locations {
            states[location.name] = LocationState(status: .stored, at: environment.now())
        }
        for (object, file) in zip(record.objects, stagedFiles) {
            for (name, state) in await vault.fanOut(file: file, key: object.key, to: environment.locations)
            where state.status != .stored {
                states[name] = state
            }
        }
        var manifest = record
        manifest.locations = [:]
        if let data = try? Catalog.encoder().encode(manifest) {
            for location in environment.locations where states[location.name]?.status == .stored {
                do {
                    try await vault.storeDocument(
                        data, key: Self.manifestKey(record.id),
                        copyKey: Self.manifestCopyKey(record.id),
                        identity: Self.manifestIdentity(record.id), in: location)
                } catch {
                    states[location.name] = LocationState(status: .missing, at: environment.now(), error: "\(error)")
                }
            }
        }
        record.locations = states
        for (name, state) in states.sorted(by: { $0.key < $1.key }) {
            environment.output(
                state.status == .stored
                    ? "stored: \(record.id) in \(name)"
                    : "NOT stored: \(record.id) in \(name): \(state.error ?? "?") (partial; caught up later)")
        }
        do {
            var catalog = try await CatalogStore(environment: environment).load()
            catalog.upsert(record)
            let failures = try await CatalogStore(environment: environment).save(catalog)
            for (name, error) in failures { environment.output("catalog NOT written to \(name): \(error)") }
        } catch {
            environment.output("catalog NOT saved: \(error)")
        }
        return record
    }
}
