/// The catalog as the commands see it.
public enum BackupCatalog {
    public static func load(_ environment: BackupEnvironment) async throws -> Catalog {
        try await CatalogStore(environment: environment).load()
    }

    /// The first configured location holding the newest complete chain.
    public static func firstHolding(_ catalog: Catalog, _ environment: BackupEnvironment) throws -> any BackupLocation {
        for location in environment.locations where RestorePlanner(catalog: catalog, location: location.name)
            .window() != nil {
            return location
        }
        throw BackupError(.notFound, "no location holds a complete backup chain")
    }
}
