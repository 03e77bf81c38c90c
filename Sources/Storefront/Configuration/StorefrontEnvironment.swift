/// Which kind of deployment this is (`STOREFRONT_ENV`). It picks the `.env.<name>` file read over `.env`,
/// and in `production` the settings that are fine on a laptop but lose data or expose the shop are refused
/// (`ProductionPolicy`).
public enum StorefrontEnvironment: String, Sendable, CaseIterable {
    case development, staging, production

    /// `nil` (unset) is `development`; any other unknown name is an error naming it.
    public init(named name: String?) throws {
        guard let name else {
            self = .development
            return
        }
        guard let environment = Self(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
            let known = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw StorefrontConfigurationError("STOREFRONT_ENV=\(name) is not one of \(known)")
        }
        self = environment
    }
}
