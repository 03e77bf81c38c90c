import ArgumentParser

/// `dbctl security …`: accounts and their secrets.
struct SecurityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "security",
        abstract: "The server check, roles, TLS certificates, the audit trail, accounts and their secrets.",
        subcommands: [
            SecurityCheckCommand.self, RolesCommand.self, TLSCommand.self, AuditCommand.self, ThreatsCommand.self,
            EncryptionCommand.self,
            CredentialsCommand.self,
        ])
}

struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials", abstract: "Application database credentials (security.credentials).",
        subcommands: [CredentialsRotateCommand.self])
}
