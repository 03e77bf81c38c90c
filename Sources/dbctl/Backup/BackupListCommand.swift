import ArgumentParser
import Backup

struct BackupListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Chains, sizes, GTID and time windows, and state per location.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "text or json") var output: OutputFormat = .text

    func run() async throws {
        try await BackupSession.run(options, quiet: output == .json) { environment in
            let catalog = try await BackupCatalog.load(environment)
            let listing = Listing(catalog: catalog, environment: environment)
            print(output == .json ? try BackupSession.json(listing) : listing.text)
        }
    }
}
