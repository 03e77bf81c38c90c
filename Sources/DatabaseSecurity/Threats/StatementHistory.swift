import Foundation
import MariaDB

/// The server's statement history, read for the bulk-read rule: `performance_schema`'s
/// `events_statements_history_long` (the last N statements of every session, with the rows each sent) joined
/// with the live sessions' accounts, and the rows each account received in total
/// (`events_statements_summary_by_account_by_event_name`, which outlives the sessions).
///
/// `dbctl security threats setup` turns on the two consumers this needs; they are off on a stock MariaDB.
public struct StatementHistory: Sendable {
    public let admin: MariaDBConfiguration
    public let pii: Set<String>

    public init(admin: MariaDBConfiguration, piiTables: [String]) {
        self.admin = admin
        pii = Set(piiTables.map { $0.lowercased() })
    }

    public static let consumers = ["events_statements_current", "events_statements_history_long"]

    public struct Read: Sendable {
        public var samples: [StatementSample]
        /// Live sessions: thread → (connection id, user, host).
        public var sessions: [Int64: (session: Int64, user: String, host: String)]
        /// Rows sent by SELECTs per `user@host`, since the server started.
        public var accountRows: [String: Int64]
        /// Sessions per `user@host` that have ended, since the server started.
        public var accountEnded: [String: Int64]
        /// How many statements the history holds, at most, and holds now.
        public var capacity: Int
        public var held: Int
        /// The oldest and newest statement's end in the history (nil when it is empty).
        public var oldest: Date?
        public var newest: Date?

        public init(
            samples: [StatementSample], sessions: [Int64: (session: Int64, user: String, host: String)] = [:],
            accountRows: [String: Int64], accountEnded: [String: Int64] = [:], capacity: Int, held: Int,
            oldest: Date?, newest: Date?
        ) {
            self.samples = samples
            self.sessions = sessions
            self.accountRows = accountRows
            self.accountEnded = accountEnded
            self.capacity = capacity
            self.held = held
            self.oldest = oldest
            self.newest = newest
        }
    }

    /// One read. `now` and the server's uptime place performance_schema's timers (picoseconds since the
    /// server started) on the clock.
    public func read(now: Date = Date()) async throws -> Read {
        let connection: MariaDBConnection
        do { connection = try await MariaDBConnection.connect(admin) } catch {
            throw SecurityError(.server, "cannot connect to \(admin.endpoint) as \(admin.username): \(error)")
        }
        do {
            let read = try await read(connection, now: now)
            try? await connection.close()
            return read
        } catch {
            try? await connection.close()
            throw error
        }
    }

    func read(_ connection: MariaDBConnection, now: Date) async throws -> Read {
        try await requireEnabled(connection)
        let facts = try await connection.query(
            """
            SELECT @@performance_schema_events_statements_history_long_size,
                   (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME')
            """
        ).rows[0]
        let capacity = Int(facts[0].text) ?? 0
        // This statement's own start is the timer's "now"; the uptime (whole seconds) only if it is not there.
        let own = try await connection.query(
            """
            SELECT TIMER_START FROM performance_schema.events_statements_current
            WHERE THREAD_ID = (SELECT THREAD_ID FROM performance_schema.threads WHERE PROCESSLIST_ID = CONNECTION_ID())
            """
        ).rows.first.flatMap { Double($0[0].text) }
        let elapsed = own.map { $0 / 1e12 } ?? Double(facts[1].text) ?? 0
        let started = now.addingTimeInterval(-elapsed)
        func time(_ picoseconds: String) -> Date {
            min(now, started.addingTimeInterval((Double(picoseconds) ?? 0) / 1e12))
        }

        var sessions: [Int64: (session: Int64, user: String, host: String)] = [:]
        for row in try await connection.query(
            """
            SELECT THREAD_ID, PROCESSLIST_ID, PROCESSLIST_USER, PROCESSLIST_HOST FROM performance_schema.threads
            WHERE PROCESSLIST_ID IS NOT NULL AND PROCESSLIST_USER IS NOT NULL
            """
        ).rows {
            guard let thread = Int64(row[0].text), let session = Int64(row[1].text) else { continue }
            sessions[thread] = (session, row[2].text, row[3].text)
        }
        var samples: [StatementSample] = []
        var held = 0
        var oldest: Date?
        var newest: Date?
        for row in try await connection.query(
            """
            SELECT THREAD_ID, EVENT_ID, CURRENT_SCHEMA, COALESCE(DIGEST_TEXT, SQL_TEXT, ''), ROWS_SENT, TIMER_END
            FROM performance_schema.events_statements_history_long WHERE TIMER_END IS NOT NULL
            """
        ).rows {
            held += 1
            let end = time(row[5].text)
            oldest = min(oldest ?? end, end)
            newest = max(newest ?? end, end)
            let rows = Int64(row[4].text) ?? 0
            guard rows > 0, let thread = Int64(row[0].text), let event = Int64(row[1].text) else { continue }
            let schema = row[2].isNull ? nil : row[2].text
            let tables = StatementSample.tables(in: row[3].text, currentSchema: schema, pii: pii)
            guard !tables.isEmpty else { continue }
            let live = sessions[thread]
            samples.append(
                StatementSample(
                    thread: thread, event: event, session: live?.session, user: live?.user, host: live?.host,
                    text: AuditSearch.maskLiterals(row[3].text), rowsSent: rows, time: end, tables: tables))
        }
        var accountRows: [String: Int64] = [:]
        for row in try await connection.query(
            """
            SELECT USER, HOST, SUM_ROWS_SENT FROM performance_schema.events_statements_summary_by_account_by_event_name
            WHERE EVENT_NAME = 'statement/sql/select' AND USER IS NOT NULL
            """
        ).rows {
            accountRows["\(row[0].text)@\(row[1].text)", default: 0] += Int64(row[2].text) ?? 0
        }
        var accountEnded: [String: Int64] = [:]
        for row in try await connection.query(
            """
            SELECT USER, HOST, TOTAL_CONNECTIONS - CURRENT_CONNECTIONS FROM performance_schema.accounts
            WHERE USER IS NOT NULL
            """
        ).rows {
            accountEnded["\(row[0].text)@\(row[1].text)", default: 0] += Int64(row[2].text) ?? 0
        }
        return Read(
            samples: samples, sessions: sessions, accountRows: accountRows, accountEnded: accountEnded,
            capacity: capacity, held: held, oldest: oldest, newest: newest)
    }

    /// performance_schema on, and the statement consumers on; otherwise an error with the fix.
    func requireEnabled(_ connection: MariaDBConnection) async throws {
        let on = try await connection.query("SELECT @@performance_schema").rows.first?[0].text
        guard on == "1" else {
            throw SecurityError(
                .server,
                "\(admin.endpoint) runs without performance_schema, which the bulk-read rule reads: set "
                    + "performance_schema = ON in my.cnf and restart once")
        }
        let off = try await disabledConsumers(connection)
        guard off.isEmpty else {
            throw SecurityError(
                .server,
                "\(admin.endpoint) does not record statements (consumer \(off.joined(separator: ", ")) is off): "
                    + "dbctl security threats setup --execute turns it on")
        }
    }

    func disabledConsumers(_ connection: MariaDBConnection) async throws -> [String] {
        var enabled: [String: String] = [:]
        for row in try await connection.query("SELECT NAME, ENABLED FROM performance_schema.setup_consumers").rows {
            enabled[row[0].text] = row[1].text
        }
        return Self.consumers.filter { enabled[$0] != "YES" }
    }
}
