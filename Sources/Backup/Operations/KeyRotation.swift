import Foundation

/// `dbctl backup keys rotate`: adds a new key-encryption key to the key file and re-wraps every object's data
/// key under it (in the catalog and in each manifest); the data itself is never re-encrypted, and old key ids
/// stay in the file so nothing becomes unreadable.
public struct KeyRotation: Sendable {
    public let environment: BackupEnvironment

    public init(environment: BackupEnvironment) { self.environment = environment }

    public struct Outcome: Sendable {
        public var oldKeyID: String
        public var newKeyID: String
        public var rewrapped: Int
        public var problems: [String]
    }

    public func rotate(execute: Bool) async throws -> Outcome {
        let catalog = try await CatalogStore(environment: environment).load()
        let objects = catalog.backups.reduce(0) { $0 + $1.objects.count } + catalog.binlogs.count
        let old = environment.keyRing.current.id
        guard execute else {
            environment.output("would add a new key to \(environment.section.keyFile) and re-wrap \(objects) object "
                               + "keys, \(catalog.backups.count) manifests and the catalog in "
                               + "\(environment.locations.count) location(s); data is not re-encrypted")
            return Outcome(oldKeyID: old, newKeyID: "(new)", rewrapped: 0, problems: [])
        }
        let lock = try await WorkLock.acquire(environment.work, waiting: 30)
        defer { withExtendedLifetime(lock) {} }
        var rotated = environment.keyRing.rotated(now: environment.now())
        try rotated.save(to: environment.section.keyFile)
        let next = try BackupEnvironment(rebinding: environment, keyRing: rotated)
        var updated = catalog
        var count = 0
        for index in updated.backups.indices {
            for objectIndex in updated.backups[index].objects.indices {
                let object = updated.backups[index].objects[objectIndex]
                updated.backups[index].objects[objectIndex].wrappedKey = try rotated.rewrap(object.wrappedKey,
                                                                                           identity: object.identity)
                count += 1
            }
        }
        for index in updated.binlogs.indices {
            let object = updated.binlogs[index].object
            updated.binlogs[index].object.wrappedKey = try rotated.rewrap(object.wrappedKey, identity: object.identity)
            count += 1
        }
        var problems: [String] = []
        let vault = Vault(environment: next)
        for record in updated.backups {
            var manifest = record
            manifest.locations = [:]
            let data = try Catalog.encoder().encode(manifest)
            for location in next.locations where record.locations[location.name]?.status == .stored {
                do {
                    try await vault.storeDocument(data, key: Publisher.manifestKey(record.id),
                                                  copyKey: Publisher.manifestCopyKey(record.id),
                                                  identity: Publisher.manifestIdentity(record.id), in: location)
                } catch {
                    problems.append("\(location.name): manifest of \(record.id) not re-wrapped: \(error)")
                }
            }
        }
        let failures = try await CatalogStore(environment: next).save(updated)
        problems += failures.map { "\($0.key): catalog not re-wrapped: \($0.value)" }
        return Outcome(oldKeyID: old, newKeyID: rotated.current.id, rewrapped: count, problems: problems)
    }
}
