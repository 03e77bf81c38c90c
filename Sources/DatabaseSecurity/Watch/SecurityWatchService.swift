import AsyncHTTPClient
import DbctlConfig
import Foundation
import Logging
import MariaDB
import Notify
import ServiceLifecycle

/// The security conditions inside `dbctl agent`: every tick (at most once a minute) the certificates and
/// credential secrets are checked, the served certificate read from `server.url` when there is one, and the
/// threat rules run over the audit stream's last window (with `security.audit` and `security.threats`);
/// alerts fire, repeat and resolve through the one notifier, with their state in
/// `<agent.state_dir>/security-alerts.json`.
public final class SecurityWatchService: Service, @unchecked Sendable {
    let configuration: DbctlConfiguration
    let notifier: Notifier
    let now: @Sendable () -> Date
    let logger: Logger
    private var lastCheck: Date?
    private var lastPoll: Date?
    private var statements: StatementStore?
    private var pollFailure: String?
    /// The audit stream as the rules need it: files followed (each line read once), the window's events, and
    /// what came before summarised.
    private var follower: AuditFollower?
    private var auditWindow: [AuditEvent] = []
    private var auditHistory = ThreatHistory()

    public init(
        configuration: DbctlConfiguration, httpClient: HTTPClient, now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "dbctl.agent.security")
    ) throws {
        guard let state = configuration.agent.stateDirectory ?? configuration.backup?.workDirectory else {
            throw ConfigurationError(
                .missingKey, file: configuration.file, key: "agent.state_dir",
                "security alerts need a directory for their state (or a backup section's work_dir)")
        }
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        self.configuration = configuration
        self.now = now
        self.logger = logger
        let book = try AlertBook(file: state + "/security-alerts.json", repeatInterval: configuration.agent.alertRepeat)
        notifier = Notifier(
            book: book, channels: AlertChannels.make(configuration.alerts, httpClient: httpClient, alsoLog: true))
    }

    var threats: ThreatsSection? { configuration.security?.threats }

    var watchesStatements: Bool { !(threats?.piiTables.isEmpty ?? true) && configuration.server != nil }

    public func run() async throws {
        logger.info("security watch started")
        let interval =
            watchesStatements
            ? min(configuration.agent.tick, threats?.statementPoll ?? configuration.agent.tick)
            : configuration.agent.tick
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await tick()
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }
    }

    /// One pass: the statement history read when due (every `statement_poll`), the rules at most once a
    /// minute; public for tests with a simulated clock.
    public func tick() async {
        let current = now()
        if await pollStatements(current) { await checkBulkReads(current) }
        if let lastCheck, current.timeIntervalSince(lastCheck) < 60 { return }
        lastCheck = current
        let serving = await servingNotAfter()
        let alerts = SecurityConditions(configuration: configuration).evaluate(now: current, serving: serving)
        var report = await notifier.reconcile(alerts, source: "security", now: current)
        if let audit = configuration.security?.audit, let threats = configuration.security?.threats {
            let found = threatAlerts(audit, threats, current)
            report.merge(await notifier.reconcile(found, source: "security.threats", now: current))
        }
        for failure in report.failures { logger.warning("alert not delivered: \(failure)") }
    }

    /// Reads the audit lines written since the last pass, keeps the window's events, folds older ones into the
    /// history, and runs the rules.
    func threatAlerts(_ audit: AuditSection, _ threats: ThreatsSection, _ current: Date) -> [Alert] {
        var follower = self.follower ?? AuditFollower(serverLog: audit.serverLog, appLogs: audit.appLogs)
        let batch = follower.poll()
        self.follower = follower
        if !batch.unreadable.isEmpty {
            logger.warning(
                "audit lines that are not records",
                metadata: ["count": "\(batch.unreadable.count)", "first": "\(batch.unreadable[0])"])
        }
        let start = current.addingTimeInterval(-threats.window)
        let ordered = (auditWindow + batch.events).enumerated().sorted {
            ($0.element.time, $0.offset) < ($1.element.time, $1.offset)
        }.map(\.element)
        for event in ordered where event.time <= start { auditHistory.add(event) }
        auditWindow = ordered.filter { $0.time > start }
        return ThreatRules(section: threats).evaluate(
            recent: auditWindow.filter { $0.time <= current }, history: auditHistory, now: current)
    }

    /// The bulk-read rule over the store, after every read of the statement history.
    func checkBulkReads(_ current: Date) async {
        guard let threats else { return }
        var found = BulkReadRule(section: threats).evaluate(
            statements?.samples ?? [], now: current, gap: statements?.gap)
        if let pollFailure {
            found.append(
                Alert(
                    id: "security.pii.unwatched", severity: .warning,
                    summary: "bulk reads of personal data are not watched: \(pollFailure)",
                    evidence: ["server": configuration.server?.url ?? ""], source: "security.pii"))
        }
        let report = await notifier.reconcile(found, source: "security.pii", now: current)
        for failure in report.failures { logger.warning("alert not delivered: \(failure)") }
    }

    /// Reads the statement history into the store, once per `statement_poll`; whether it was due.
    func pollStatements(_ current: Date) async -> Bool {
        guard watchesStatements, let threats, let server = configuration.server else { return false }
        if let lastPoll, current.timeIntervalSince(lastPoll) < threats.statementPoll { return false }
        lastPoll = current
        do {
            let history = StatementHistory(admin: try server.adminConfiguration(), piiTables: threats.piiTables)
            let read = try await history.read(now: current)
            var store = statements ?? StatementStore(window: threats.window)
            store.add(read, now: current)
            statements = store
            pollFailure = nil
        } catch {
            pollFailure = "\(error)"
            logger.warning("cannot read the statement history: \(error)")
        }
        return true
    }

    func servingNotAfter() async -> Date? {
        guard configuration.security?.tls != nil, let server = configuration.server else { return nil }
        do {
            let connection = try await MariaDBConnection.connect(try server.adminConfiguration())
            let rows = try? await connection.query("SHOW GLOBAL STATUS LIKE 'Ssl_server_not_after'").rows
            try? await connection.close()
            return (rows?.first?[1].text).flatMap(CertificateFacts.serverDate)
        } catch {
            logger.warning("cannot read the served certificate: \(error)")
            return nil
        }
    }
}
