import Foundation

/// Loads and saves the catalog: the work directory's plaintext cache (0600) is the working copy; every save
/// also writes it, sealed, twice to each location, so a location alone can restore everything.
struct CatalogStore: Sendable {
    let environment: BackupEnvironment
    var vault: Vault { Vault(environment: environment) }

    /// The local cache, or, when the work directory is new, the newest catalog any location holds.
    func load() async throws -> Catalog {
        let path = environment.work.catalogFile
        if let data = FileManager.default.contents(atPath: path) {
            do {
                return try Catalog.decoder().decode(Catalog.self, from: data)
            } catch {
                throw BackupError(.integrity, "\(path) is not a readable catalog: \(error); move it away to reload "
                                  + "the catalog from the locations")
            }
        }
        var newest: Catalog?
        for location in environment.locations {
            guard let catalog = try? await load(from: location).catalog else { continue }
            if newest == nil || catalog.updated > newest!.updated { newest = catalog }
        }
        return newest ?? Catalog()
    }

    /// A location's own catalog (falling back to its copy).
    func load(from location: any BackupLocation) async throws -> (catalog: Catalog, problems: [String]) {
        let hasCatalog = try await location.exists(Catalog.objectKey)
        let hasCopy = try await location.exists(Catalog.copyKey)
        guard hasCatalog || hasCopy else {
            return (Catalog(), [])
        }
        let (data, problems) = try await vault.loadDocument(key: Catalog.objectKey, copyKey: Catalog.copyKey,
                                                            identity: Catalog.identity, from: location)
        return (try Catalog.decoder().decode(Catalog.self, from: data), problems)
    }

    /// Writes the cache, then each location's two sealed copies. Returns the locations that could not be
    /// written, with their errors.
    @discardableResult
    func save(_ catalog: Catalog) async throws -> [String: String] {
        var catalog = catalog
        catalog.updated = environment.now()
        let data = try Catalog.encoder().encode(catalog)
        let path = environment.work.catalogFile
        let temporary = path + ".tmp"
        FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        guard rename(temporary, path) == 0 else { throw BackupError(.precondition, "cannot write \(path)") }
        var failures: [String: String] = [:]
        for location in environment.locations {
            do {
                try await vault.storeDocument(data, key: Catalog.objectKey, copyKey: Catalog.copyKey,
                                              identity: Catalog.identity, in: location)
            } catch {
                failures[location.name] = "\(error)"
            }
        }
        return failures
    }
}
