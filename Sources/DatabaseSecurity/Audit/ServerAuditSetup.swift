import DbctlConfig
import Foundation
import MariaDB

/// `dbctl security audit plan|apply`: server_audit loaded and logging what `security.audit` says, to its file,
/// rotated. Runtime settings change at once (`SET GLOBAL`, values bound, never spliced); the my.cnf lines that
/// keep them across a restart are printed. Idempotent: what already matches is not set again.
public struct ServerAuditSetup: Sendable {
    public let section: AuditSection
    public let admin: MariaDBConfiguration

    public init(section: AuditSection, admin: MariaDBConfiguration) {
        self.section = section
        self.admin = admin
    }

    public struct Step: Sendable {
        public let shown: String
        let variable: String?
        let value: String
    }

    public struct Plan: Sendable {
        public var steps: [Step] = []
        public var unchanged: [String] = []
        public var isEmpty: Bool { steps.isEmpty }
    }

    /// The variables and their wanted values, in the order they are set (logging last: once on, it writes
    /// with every other setting already in place).
    var wanted: [(String, String)] {
        [
            ("server_audit_output_type", "file"), ("server_audit_file_path", section.serverLog),
            ("server_audit_file_rotate_size", String(section.rotateSize)),
            ("server_audit_file_rotations", String(section.rotations)),
            ("server_audit_events", section.events.joined(separator: ",")),
            ("server_audit_excl_users", section.excludeUsers.joined(separator: ",")),
            ("server_audit_logging", "ON"),
        ]
    }

    public func plan() async throws -> Plan {
        let connection = try await connect()
        do {
            var plan = Plan()
            let loaded = try await connection.query(
                "SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'SERVER_AUDIT'"
            ).rows.first?[0].text
            var current: [String: String] = [:]
            if loaded == "ACTIVE" {
                for row in try await connection.query("SHOW GLOBAL VARIABLES LIKE 'server\\_audit\\_%'").rows {
                    current[row[0].text] = row[1].text
                }
                plan.unchanged.append("server_audit is loaded")
            } else {
                plan.steps.append(Step(shown: "INSTALL SONAME 'server_audit'", variable: nil, value: ""))
            }
            for (name, value) in wanted {
                if current[name]?.caseInsensitiveCompare(value) == .orderedSame {
                    plan.unchanged.append("\(name) = \(value)")
                } else {
                    plan.steps.append(Step(shown: "SET GLOBAL \(name) = '\(value)'", variable: name, value: value))
                }
            }
            try? await connection.close()
            return plan
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs the plan, then checks that the plugin is active and writes to the configured file.
    public func apply(_ plan: Plan, progress: @Sendable (String) -> Void = { _ in }) async throws {
        let connection = try await connect()
        do {
            for step in plan.steps {
                do {
                    if let variable = step.variable {
                        // Names come from `wanted`, a fixed list; the value is bound (numbers as numbers).
                        let bind: MariaDBValue = Int64(step.value).map { .int($0) } ?? .string(step.value)
                        _ = try await connection.execute(
                            MariaDBQuery(unsafeSQL: "SET GLOBAL \(variable) = ?", binds: [bind]))
                    } else {
                        _ = try await connection.execute("INSTALL SONAME 'server_audit'")
                    }
                } catch {
                    throw SecurityError(.server, "\(step.shown) failed on \(admin.endpoint): \(error)")
                }
                progress(step.shown)
            }
            var status: [String: String] = [:]
            for row in try await connection.query("SHOW GLOBAL STATUS LIKE 'Server\\_audit\\_%'").rows {
                status[row[0].text] = row[1].text
            }
            try? await connection.close()
            guard status["Server_audit_active"] == "ON", status["Server_audit_current_log"] == section.serverLog else {
                throw SecurityError(
                    .server,
                    "server_audit on \(admin.endpoint) is not writing \(section.serverLog): "
                        + "active = \(status["Server_audit_active"] ?? "?"), current log = "
                        + "\(status["Server_audit_current_log"] ?? "?"), "
                        + "last error = \(status["Server_audit_last_error"] ?? "")"
                )
            }
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The my.cnf lines that keep the settings across a restart.
    public func serverSettings() -> [String] {
        ["plugin_load_add = server_audit"] + wanted.map { "\($0.0) = \($0.1)" }
            + ["server_audit = FORCE_PLUS_PERMANENT   # cannot be uninstalled while the server runs"]
    }

    func connect() async throws -> MariaDBConnection {
        do { return try await MariaDBConnection.connect(admin) } catch {
            throw SecurityError(.server, "cannot connect to \(admin.endpoint) as \(admin.username): \(error)")
        }
    }
}
