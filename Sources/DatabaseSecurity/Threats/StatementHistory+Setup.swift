import Foundation
import MariaDB

extension StatementHistory {
    public struct SetupPlan: Sendable {
        public var checks: [String]
        /// The consumers to turn on; empty when there is nothing to do.
        public var consumers: [String]
        /// The my.cnf lines that keep the setting across a restart.
        public var settings: [String]
    }

    /// `dbctl security threats setup`: what the bulk-read rule needs that the server lacks. performance_schema
    /// itself needs a restart, which dbctl does not do: without it the plan is an error with the line to add.
    public func setupPlan() async throws -> SetupPlan {
        let connection = try await MariaDBConnection.connect(admin)
        do {
            let on = try await connection.query("SELECT @@performance_schema").rows.first?[0].text
            guard on == "1" else {
                throw SecurityError(
                    .server,
                    "\(admin.endpoint) runs without performance_schema: set performance_schema = ON in my.cnf and "
                        + "restart once (statements are then recorded at a few per cent of CPU)")
            }
            let size =
                try await connection.query("SELECT @@performance_schema_events_statements_history_long_size")
                .rows.first?[0].text ?? "?"
            let off = try await disabledConsumers(connection)
            try? await connection.close()
            var checks = ["performance_schema is on", "the statement history holds \(size) statements"]
            checks += Self.consumers.filter { !off.contains($0) }.map { "consumer \($0) is on" }
            let settings =
                Self.consumers.map { "performance_schema_consumer_\($0) = ON" }
                + ["performance_schema_events_statements_history_long_size = 10000"]
            return SetupPlan(checks: checks, consumers: off, settings: settings)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Turns the plan's consumers on (`UPDATE performance_schema.setup_consumers`, names bound); takes effect at
    /// once and lasts until the server restarts (the plan's settings keep it after).
    public func setup(_ plan: SetupPlan) async throws {
        let connection = try await MariaDBConnection.connect(admin)
        do {
            for name in plan.consumers {
                _ = try await connection.execute(
                    "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = \(name)")
            }
            let still = try await disabledConsumers(connection)
            try? await connection.close()
            guard still.isEmpty else {
                throw SecurityError(.server, "\(admin.endpoint) kept \(still.joined(separator: ", ")) off")
            }
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
