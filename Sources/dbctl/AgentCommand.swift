import ArgumentParser
import AsyncHTTPClient
import Backup
import DatabaseSecurity
import Foundation
import Logging
import ServiceLifecycle

/// `dbctl agent`: one long-running process for the configuration's schedules (backups, binlog archiving,
/// drills, retention), the security watch (certificate expiry, credential age) and their alerts; stops
/// gracefully on SIGTERM or SIGINT.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the configuration's schedules and watches: backups, binlogs, drills, retention, "
            + "certificate expiry, credential age, alerts.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = .info
            return handler
        }
        let configuration = try options.load()
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: S3Location.httpClientConfiguration())
        let logger = Logger(label: "dbctl.agent")
        do {
            var services: [any Service] = []
            if configuration.backup != nil {
                let environment = try BackupEnvironment(
                    configuration: configuration, httpClient: client,
                    output: { logger.info("\($0)") })
                services.append(try BackupScheduleService(environment: environment))
            }
            let security = configuration.security
            if security?.tls != nil || !(security?.credentials ?? []).isEmpty || security?.threats != nil {
                services.append(try SecurityWatchService(configuration: configuration, httpClient: client))
            }
            guard !services.isEmpty else {
                throw ValidationError(
                    "\(configuration.file) has no section the agent runs (backup, security.tls, security.credentials)")
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await group.run()
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
