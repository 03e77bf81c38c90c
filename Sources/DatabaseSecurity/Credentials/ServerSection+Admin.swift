import DbctlConfig
import MariaDB

extension ServerSection {
    /// The administrator's connection of `server:` — its URL (TLS options included) and password file — to the
    /// server as a whole, not one database: what the security verbs and the agent's watch connect with.
    public func adminConfiguration() throws -> MariaDBConfiguration {
        var admin = try MariaDBConfiguration(url: url)
        if let passwordFile { try admin.loadPassword(fromFile: passwordFile) }
        admin.database = nil
        return admin
    }
}
