import Foundation
import MariaDB

/// A shop's writes against the backed-up server while backups run: orders with lines (foreign keys, secondary
/// indexes), status updates and deletions, until stopped.
final class ShopWorkload: @unchecked Sendable {
    let configuration: MariaDBConfiguration
    private var task: Task<Int, any Error>?
    private let stopFlag = StopFlag()
    private let pauseFlag = StopFlag()
    private let idleFlag = StopFlag()

    static let schema = [
        "CREATE TABLE customers (id BIGINT PRIMARY KEY AUTO_INCREMENT, email VARCHAR(120) NOT NULL UNIQUE, "
            + "name VARCHAR(120) NOT NULL)",
        "CREATE TABLE orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, customer_id BIGINT NOT NULL, "
            + "status VARCHAR(20) NOT NULL, total DECIMAL(12,2) NOT NULL, created DATETIME(6) NOT NULL, "
            + "KEY orders_status (status), "
            + "CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers(id))",
        "CREATE TABLE order_lines (id BIGINT PRIMARY KEY AUTO_INCREMENT, order_id BIGINT NOT NULL, "
            + "sku VARCHAR(40) NOT NULL, quantity INT NOT NULL, price DECIMAL(12,2) NOT NULL, KEY lines_sku (sku), "
            + "CONSTRAINT lines_order FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE)",
    ]

    init(configuration: MariaDBConfiguration) {
        self.configuration = configuration
    }

    /// Creates the schema and some rows (`rows` customers and orders).
    func seed(rows: Int) async throws {
        let connection = try await MariaDBConnection.connect(configuration)
        for statement in Self.schema { _ = try await connection.execute(MariaDBQuery(unsafeSQL: statement)) }
        for index in 0..<rows {
            _ = try await connection.execute(
                "INSERT INTO customers (email, name) VALUES (\("c\(index)@example.com"), \("Customer \(index)"))")
        }
        try await connection.close()
        for _ in 0..<rows { try await writeOnce(using: nil) }
    }

    func start() {
        let stopFlag = stopFlag
        let pauseFlag = pauseFlag
        let idleFlag = idleFlag
        task = Task {
            let connection = try await MariaDBConnection.connect(configuration)
            var count = 0
            while !stopFlag.isSet {
                if pauseFlag.isSet {
                    idleFlag.set()
                    try await Task.sleep(for: .milliseconds(20))
                    continue
                }
                idleFlag.clear()
                try await writeOnce(using: connection)
                count += 1
            }
            try await connection.close()
            return count
        }
    }

    /// Holds the writer between two transactions (none is open when this returns).
    func pause() async throws {
        idleFlag.clear()
        pauseFlag.set()
        while !idleFlag.isSet && task != nil && !stopFlag.isSet { try await Task.sleep(for: .milliseconds(10)) }
    }

    func resume() {
        pauseFlag.clear()
    }

    /// Stops the writer; returns how many write transactions it made.
    @discardableResult
    func stop() async throws -> Int {
        stopFlag.set()
        return try await task?.value ?? 0
    }

    func writeOnce(using existing: MariaDBConnection?) async throws {
        let connection: MariaDBConnection
        if let existing {
            connection = existing
        } else {
            connection = try await MariaDBConnection.connect(configuration)
        }
        try await connection.transaction { tx in
            _ = try await tx.execute(
                """
                INSERT INTO orders (customer_id, status, total, created)
                SELECT id, 'new', \(MariaDBDecimal("\(Int.random(in: 100...99999)).\(Int.random(in: 10...99))")!),
                       NOW(6) FROM customers ORDER BY RAND() LIMIT 1
                """)
            let order = try await tx.query("SELECT LAST_INSERT_ID()").rows[0][0].description
            for line in 0..<2 {
                _ = try await tx.execute(
                    """
                    INSERT INTO order_lines (order_id, sku, quantity, price)
                    VALUES (\(Int64(order) ?? 0), \("SKU-\(line)-\(Int.random(in: 1...50))"), \(Int64(line + 1)),
                            \(MariaDBDecimal("9.99")!))
                    """)
            }
            _ = try await tx.execute(
                "UPDATE orders SET status = 'paid' WHERE id = \(Int64.random(in: 1...max(1, (Int64(order) ?? 1))))")
            if Int.random(in: 0..<10) == 0 {
                _ = try await tx.execute("DELETE FROM orders WHERE status = 'paid' ORDER BY id LIMIT 1")
            }
        }
        if existing == nil { try await connection.close() }
    }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
    func clear() { lock.withLock { value = false } }
}

/// The state of the shop's tables at one instant: the GTID position, every checksum, and the wall-clock second
/// after which nothing was written.
struct ShopMarker: Sendable {
    var gtid: String
    var time: Date
    var checksums: [String: String]

    static let tables = ["customers", "orders", "order_lines"]

    /// With the writer held between transactions (so no transaction spans the instant), the GTID position,
    /// every checksum, and a second of wall clock after which nothing was written until it resumes: a restore
    /// to `time` must give exactly this state.
    static func take(_ admin: MariaDBConfiguration, database: String, holding workload: ShopWorkload?) async throws
        -> ShopMarker
    {
        try await workload?.pause()
        let connection = try await MariaDBConnection.connect(admin)
        let gtid = try await connection.query("SELECT @@gtid_binlog_pos").rows[0][0].description
        let checksums = try await checksums(connection, database: database)
        try await Task.sleep(for: .milliseconds(1100))
        let time = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        try await Task.sleep(for: .milliseconds(1100))
        try await connection.close()
        workload?.resume()
        return ShopMarker(gtid: gtid, time: time, checksums: checksums)
    }

    static func checksums(_ connection: MariaDBConnection, database: String) async throws -> [String: String] {
        var result: [String: String] = [:]
        for table in tables {
            let rows = try await connection.query(
                MariaDBQuery(unsafeSQL: "CHECKSUM TABLE \(MariaDBIdentifier.quote(database, table)) EXTENDED")
            ).rows
            result[table] = rows[0][1].description
        }
        return result
    }
}
