import ArgumentParser
import Foundation
import Logging
import MariaDB
import Migration

/// `--source` and `--target` shared by migrate and verify.
struct MigrationEndpoints: ParsableArguments {
    @Option(help: "The SQLite database: a path or sqlite:///path.") var source: String
    @Option(help: "mysql://user@host:port/database (password via --password-file or MYSQL_PWD).") var target: String
    @Option(help: "File holding the target password (mode 0600).") var passwordFile: String?

    var sourcePath: String {
        source.hasPrefix("sqlite://") ? String(source.dropFirst("sqlite://".count)) : source
    }

    func targetConfiguration() throws -> MariaDBConfiguration {
        var configuration = try MariaDBConfiguration(url: target)
        if let passwordFile { try configuration.loadPassword(fromFile: passwordFile) }
        else if configuration.password == nil, let password = ProcessInfo.processInfo.environment["MYSQL_PWD"] { configuration.password = password }
        configuration.readTimeout = 0
        return configuration
    }
}

extension MigrationSession.SchemaChoice: ExpressibleByArgument {}
extension BadRowPolicy: ExpressibleByArgument {}
extension Planner.OrphanPolicy: ExpressibleByArgument {}

/// `dbctl migrate [run] …` (the copy, offline or `--online`) and the online migration's other verbs.
struct MigrateGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a SQLite database into MySQL/MariaDB with zero loss, offline or online (status, finish, abort).",
        subcommands: [MigrateCommand.self, MigrateStatusCommand.self, MigrateFinishCommand.self, MigrateAbortCommand.self],
        defaultSubcommand: MigrateCommand.self)
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Copy a SQLite database into MySQL/MariaDB with zero loss. Without --execute: inspect and print the plan.")

    @OptionGroup var endpoints: MigrationEndpoints
    @OptionGroup(title: "Online migration") var online: OnlineArguments
    @Flag(help: "Create the schema, copy the data, verify. Without it nothing is written.") var execute = false
    @Option(help: "auto: the target's own tables if the application created them, else generic; existing: load into the target's tables; generic: schema from declared types and the data.") var schema: MigrationSession.SchemaChoice = .auto
    @Option(name: .customLong("on-bad-row"), help: "stop (default) or quarantine rows whose values cannot be carried over exactly.") var onBadRow: BadRowPolicy = .stop
    @Option(name: .customLong("on-orphan"), help: "Rows whose foreign key points nowhere: stop, quarantine or keep (without the foreign key).") var onOrphan: Planner.OrphanPolicy = .stop
    @Option(help: "Use this plan (JSON, as written by --write-plan) instead of computing one.") var planFile: String?
    @Option(help: "Write the computed plan as JSON here (review, edit, feed back with --plan-file).") var writePlan: String?
    @Option(help: "Write the report as JSON here.") var report: String?
    @Option(help: "Where quarantined rows go (JSON lines, 0600).") var quarantineFile: String = "dbctl-quarantine.jsonl"
    @Option(help: "Tables copied at once.") var parallel: Int = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
    @Option(help: "Rows per committed batch (the unit a killed run resumes from) for tables with an integer key.") var batchRows: Int = 250_000
    @Flag(help: "Skip the verification after the copy.") var noVerify = false
    @Flag(help: "PRAGMA quick_check (the default; kept for scripts).") var quickCheck = false
    @Flag(help: "The full PRAGMA integrity_check (also proves every SQLite index matches its table; slower).")
    var fullIntegrityCheck = false
    @Flag(help: ArgumentHelp("Round decimals with more fraction digits than the column keeps (half-even, counted in the "
                             + "report) instead of widening the scale (generic schema) or stopping (existing schema)."))
    var roundDecimals = false
    @Flag(help: ArgumentHelp("Rows the target's migrations created that have no source counterpart are deleted instead "
                             + "of stopping the run."))
    var deleteUnmatchedSeeded = false
    @Flag(help: ArgumentHelp("Accept leaving out views, triggers, generated columns and virtual tables that cannot be "
                             + "translated (they are listed as not carried over)."))
    var skipUntranslated = false

    func run() async throws {
        let started = Date()
        var session = MigrationSession(sourcePath: endpoints.sourcePath, target: try endpoints.targetConfiguration())
        session.schema = schema
        session.onOrphan = onOrphan
        session.quickCheck = !fullIntegrityCheck
        session.roundDecimals = roundDecimals
        session.deleteUnmatchedSeeded = deleteUnmatchedSeeded
        session.skipUntranslated = skipUntranslated
        if online.online {
            var options = MigrationOptions()
            options.badRows = onBadRow
            options.onOrphan = onOrphan
            options.parallelTables = parallel
            options.batchRows = max(Verifier.defaultChunkSize, batchRows / Verifier.defaultChunkSize * Verifier.defaultChunkSize)
            return try runOnline(session: session, copyOptions: options)
        }
        let override = try planFile.map { try JSONDecoder().decode(MigrationPlan.self, from: Data(contentsOf: URL(fileURLWithPath: $0))) }
        let inspection = try session.inspect(planOverride: override)
        let plan = inspection.plan
        if let writePlan {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(plan).write(to: URL(fileURLWithPath: writePlan))
        }
        printChecks(inspection.checks)
        fflush(nil)  // the checks come before the copy's progress lines on standard error
        guard execute else {
            print("\nplan (\(plan.schemaMode.rawValue) schema, \(plan.orm.rawValue) source): \(plan.tables.count) tables, \(plan.estimatedRows) rows, about \(String(format: "%.0f", (plan.estimatedSeconds ?? 0).rounded(.up))) s to copy and verify")
            for table in plan.tables {
                print("  \(table.name): \(table.rows) rows")
                for column in table.columns { print("    \(column.name): \(column.sourceType.isEmpty ? "(none)" : column.sourceType) → \(column.type.sql) — \(column.reason)") }
                for index in table.indexes where index.note != nil { print("    index \(index.name): \(index.note!)") }
            }
            if !plan.warnings.isEmpty { print("\nwarnings:"); for warning in plan.warnings { print("  ! \(warning)") } }
            let dryReport = MigrationReport(source: session.sourcePath, target: session.target.endpoint, plan: plan,
                                            checks: inspection.checks, orphans: inspection.orphans.mapValues(\.count))
            if !dryReport.schemaObjectLines.isEmpty { print(""); dryReport.schemaObjectLines.forEach { print($0) } }
            print("\n-- DDL\n\(plan.ddl)")
            let failed = inspection.failed
            print(failed.isEmpty ? "dry run: nothing was written. Add --execute to migrate." : "dry run: \(failed.count) check(s) failed; fix them before --execute.")
            try writeReport(dryReport)
            if !failed.isEmpty { throw ExitCode(2) }
            return
        }
        var options = MigrationOptions()
        options.badRows = onBadRow
        options.onOrphan = onOrphan
        options.parallelTables = parallel
        options.batchRows = max(Verifier.defaultChunkSize, batchRows / Verifier.defaultChunkSize * Verifier.defaultChunkSize)
        options.quarantinePath = onBadRow == .quarantine || onOrphan == .quarantine ? quarantineFile : nil
        var report = try session.execute(inspection, options: options, verify: !noVerify)
        report.totalSeconds = Date().timeIntervalSince(started)
        print(report.text)
        try writeReport(report)
        if !noVerify && !report.verified { throw ExitCode(3) }
    }

    func writeReport(_ report: MigrationReport) throws {
        if let path = self.report { try report.json().write(to: URL(fileURLWithPath: path)) }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Compare a SQLite database with its MySQL/MariaDB copy row by row. Exit 0 only when identical.")

    @OptionGroup var endpoints: MigrationEndpoints
    @Option(help: "Write the report as JSON here.") var report: String?
    @Option(help: "Use the migration's plan (JSON) for value conversions; by default the target's column types decide.") var planFile: String?

    func run() async throws {
        let started = Date()
        let target = try endpoints.targetConfiguration()
        let source = try SQLiteSource(path: endpoints.sourcePath)
        let schema = try SourceInspector(source: source).schema()
        let plan: MigrationPlan
        if let planFile {
            plan = try JSONDecoder().decode(MigrationPlan.self, from: Data(contentsOf: URL(fileURLWithPath: planFile)))
        } else {
            let connection = try BlockingConnection.connect(target)
            defer { connection.close() }
            plan = try MigrationSession.existingPlan(source: source, schema: schema, target: connection)
        }
        var result = MigrationReport(source: endpoints.sourcePath, target: target.endpoint, plan: plan, checks: [], orphans: [:])
        result.verification = try Verifier(plan: plan, target: target).verifyAll()
        result.schemaObjectVerification = try SchemaObjectVerifier.verifyExisting(
            plan: plan, schema: schema, source: source, target: target)
        result.totalSeconds = Date().timeIntervalSince(started)
        print(result.text)
        if let path = report { try result.json().write(to: URL(fileURLWithPath: path)) }
        if !result.verified { throw ExitCode(3) }
    }
}

func printChecks(_ checks: [Check]) {
    for check in checks {
        let mark = check.status == .ok ? "✓" : check.status == .warning ? "!" : "✗"
        print("\(mark) \(check.name): \(check.detail)")
    }
}

