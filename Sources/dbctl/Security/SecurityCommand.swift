import ArgumentParser

/// `dbctl security …`: accounts and their secrets.
struct SecurityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "security", abstract: "Roles, accounts and their secrets.",
        subcommands: [SecurityCheckCommand.self, RolesCommand.self, CredentialsCommand.self])
}

struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials", abstract: "Application database credentials (security.credentials).",
        subcommands: [CredentialsRotateCommand.self])
}
