import ArgumentParser
import AsyncHTTPClient
import Backup
import DbctlConfig
import Foundation

/// `--config dbctl.yaml`, shared by every backup verb and the agent.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The dbctl configuration file (YAML).")
    var config: String = "dbctl.yaml"

    func load() throws -> DbctlConfiguration {
        try DbctlConfiguration.load(path: config)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Builds the environment of a verb, runs it, and shuts the HTTP client down whatever happens.
enum BackupSession {
    static func run<T>(_ options: ConfigOptions, quiet: Bool = false,
                       _ body: (BackupEnvironment) async throws -> T) async throws -> T {
        let configuration = try options.load()
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: S3Location.httpClientConfiguration())
        do {
            let output: @Sendable (String) -> Void
            if quiet { output = { _ in } } else { output = { line in print(line) } }
            let environment = try BackupEnvironment(configuration: configuration, httpClient: client, output: output)
            let result = try await body(environment)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func printChecks(_ checks: [Check]) {
        for check in checks { print(check.line) }
    }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try Catalog.encoder().encode(value), as: UTF8.self)
    }
}
