import AuditTrail
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Storefront

@main
struct StorefrontCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storefront",
        abstract: "The Storefront e-commerce API. Database from DATABASE_URL (sqlite://… by default, or mysql://…).",
        subcommands: [Serve.self, Migrate.self, Seed.self, Audit.self, PII.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP API (migrations must be current).")
    @Option var host = "127.0.0.1"
    @Option var port = 8080
    @Flag(help: "Run pending migrations before serving.") var migrate = false

    func run() async throws {
        StorefrontMetrics.bootstrap()
        let configuration = try StorefrontConfiguration.fromEnvironment()
        let db = StorefrontDatabase(configuration)
        if let moved = try await db.movedAway() {
            await db.shutdown()
            throw ValidationError("DATABASE_URL names \(db.location), but \(moved)")
        }
        if migrate { try await db.migrate() }
        var logger = Logger(label: "storefront")
        logger.logLevel = .info
        logger.info(
            "starting",
            metadata: [
                "environment": "\(configuration.environment.rawValue)",
                "backend": "\(db.kind.rawValue)", "database": "\(db.location)",
            ])
        // The database may be switched while serving (POST /admin/database/switch): shut down whichever is current.
        let audit: AuditLog?
        do { audit = try AuditLog.open(configuration) } catch {
            await db.shutdown()
            throw error
        }
        let services = StorefrontServices(configuration: configuration, db: db, audit: audit)
        let app = StorefrontApplication.application(services: services, host: host, port: port, logger: logger)
        // Credential rotation replaces the file; the shop follows it without a restart.
        let watcherLogger = logger
        var watcher: Task<Void, Never>?
        if let file = configuration.credentialsFile {
            let credentials = CredentialsWatcher(services: services, file: file)
            watcher = Task { await credentials.run(logger: watcherLogger) }
        }
        do { try await app.runService() } catch {
            watcher?.cancel()
            await services.shutdown()
            throw error
        }
        watcher?.cancel()
        await services.shutdown()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending ORM migrations, or revert the last batch.")
    @Flag(help: "Revert the last batch instead.") var revert = false

    func run() async throws {
        let db = StorefrontDatabase(try StorefrontConfiguration.fromEnvironment())
        do {
            if revert {
                try await db.revertLastBatch()
                print("reverted the last migration batch")
            } else {
                try await db.migrate()
                print("migrations are current (\(db.kind.rawValue))")
            }
        } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill an empty, migrated database with deterministic sample data.")
    @Option(help: "Number of products (customers: half, orders: as many, reviews: half).") var scale = 1_000

    func run() async throws {
        let settings = try StorefrontConfiguration.fromEnvironment()
        let db = StorefrontDatabase(settings)
        do {
            try await db.migrate()
            let started = ContinuousClock.now
            let counts = try await Seeder(scale: scale, pii: settings.pii).run(on: db.database()) { print("  \($0)") }
            print("seeded \(counts) in \(ContinuousClock.now - started)")
        } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The application audit log.", subcommands: [AuditVerify.self])
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an audit log's hash chain; exit 1 at the first changed, added or missing line.")
    @Option(help: "The log (default: AUDIT_LOG_FILE).") var file: String?
    @Option(help: "The chain's key (default: AUDIT_KEY_FILE).") var keyFile: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let path = file ?? environment["AUDIT_LOG_FILE"] else {
            throw ValidationError("name the log: --file F or AUDIT_LOG_FILE")
        }
        let report = try AuditVerifier.verify(path: path, keyFile: keyFile ?? environment["AUDIT_KEY_FILE"])
        if let problem = report.problem {
            print("audit log broken after \(report.records) intact records: \(problem)")
            throw ExitCode(1)
        }
        print("audit log \(path): \(report.records) records, chain intact, last hash \(report.lastHash.prefix(16))…")
    }
}

struct PII: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pii", abstract: "Keys for customers' personal data (PII_KEY_FILE).",
        subcommands: [PIINewKey.self, PIIReencrypt.self])
}

struct PIINewKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-key", abstract: "Print a new key line (VERSION HEX) to append to PII_KEY_FILE.")
    @Option(help: "The key's version (one more than the highest in the file).") var version = 1

    func run() async throws { print(PIICodec.newKeyLine(version: version)) }
}

struct PIIReencrypt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reencrypt",
        abstract: "Seal every customer's personal data with the current key, while the shop runs (resumable).",
        discussion: "Encrypts data stored in clear and re-seals data under older key versions; exits 1 unless "
            + "every row ends under the current key and decrypts. Also called as rotate-key (after a new "
            + "current key) and encrypt-existing (after turning encryption on): the same pass does both.",
        aliases: ["rotate-key", "encrypt-existing"])
    @Option(help: "Rows per transaction.") var batch = 500

    func run() async throws {
        let settings = try StorefrontConfiguration.fromEnvironment()
        let db = StorefrontDatabase(settings)
        let report: PIIReencryption.Report
        do {
            report = try await PIIReencryption(pii: settings.pii, batchSize: batch).run(on: db.database()) {
                print("  \($0)")
            }
        } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
        print(report)
        if report.notCurrent > 0 { throw ExitCode(1) }
    }
}
