import ArgumentParser

@main
struct DBCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dbctl",
        abstract: "Database operations for Storefront: local servers, connectivity checks, and (soon) SQLite → MySQL migration.",
        subcommands: [MigrateCommand.self, VerifyCommand.self, ServerCommand.self, PingCommand.self, DemoCommand.self]
    )
}
