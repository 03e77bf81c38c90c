import ArgumentParser
import Foundation
import MariaDB

/// Benchmarks that bench/ scripts run against a local server, next to the named peer.
@main
struct StorefrontBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storefront-bench", subcommands: [PointSelect.self, StreamMemory.self])
}

struct Target: ParsableArguments {
    @Option var host = "127.0.0.1"
    @Option var port: Int
    @Option var user: String
    @Option var database: String

    var configuration: MariaDBConfiguration {
        MariaDBConfiguration(host: host, port: port, username: user, password: nil, database: database)
    }
}

/// `SELECT c FROM sbtest1 WHERE id = ?` with random ids, like sysbench's oltp_point_select.
struct PointSelect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "point-select")
    @OptionGroup var target: Target
    @Option var threads = 1
    @Option var seconds = 10.0
    @Option var tableSize = 100_000
    @Option(help: "Run exactly this many queries per thread instead of for --seconds (for instruction counting).")
    var queries: Int?
    @Option(help: "async (MariaDBConnection, one hop to its thread per query), async-pinned (the task adopts the connection's thread: how a pooled connection is used), blocking (BlockingConnection per thread)") var api = "async"

    func run() async throws {
        let configuration = target.configuration
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let size = tableSize
        let limit = queries ?? .max
        let timed = queries == nil
        let total: Int
        if api == "blocking" {
            total = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<threads {
                    group.addTask {
                        try await withCheckedThrowingContinuation { continuation in
                            Thread.detachNewThread {
                                do {
                                    let connection = try BlockingConnection.connect(configuration)
                                    var random = FastRandom()
                                    var count = 0
                                    while count < limit && (!timed || ContinuousClock.now < deadline) {
                                        let id = Int.random(in: 1...size, using: &random)
                                        let rows = try connection.query("SELECT c FROM sbtest1 WHERE id = \(id)").rows
                                        _ = try rows[0].decode(0, as: String.self)
                                        count += 1
                                    }
                                    connection.close()
                                    continuation.resume(returning: count)
                                } catch { continuation.resume(throwing: error) }
                            }
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
        } else {
            total = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<threads {
                    group.addTask { [api] in
                        let connection = try await MariaDBConnection.connect(configuration)
                        let loop: @Sendable () async throws -> Int = {
                            var random = FastRandom()
                            var count = 0
                            while count < limit && (!timed || ContinuousClock.now < deadline) {
                                let id = Int.random(in: 1...size, using: &random)
                                let rows = try await connection.query("SELECT c FROM sbtest1 WHERE id = \(id)").rows
                                _ = try rows[0].decode(0, as: String.self)
                                count += 1
                            }
                            return count
                        }
                        let count = api == "async-pinned"
                            ? try await withTaskExecutorPreference(connection.executor) { try await loop() }
                            : try await loop()
                        try await connection.close()
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        if timed {
            print(String(format: "qps %.1f", Double(total) / seconds))
        } else {
            print("queries \(total)")
        }
    }
}

/// xorshift64*, seeded once per thread. The system generator costs a `getrandom` system call per id;
/// sysbench draws its ids from an in-process generator too.
struct FastRandom: RandomNumberGenerator {
    private var state = UInt64.random(in: 1...UInt64.max)

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

/// Streams a large table and reports resident memory as rows go by: it must not grow with rows.
struct StreamMemory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stream-memory")
    @OptionGroup var target: Target
    @Option var rows = 1_000_000

    func run() async throws {
        let connection = try BlockingConnection.connect(target.configuration)
        defer { connection.close() }
        try connection.execute("DROP TABLE IF EXISTS stream_rows")
        try connection.execute("CREATE TABLE stream_rows (id BIGINT PRIMARY KEY, title VARCHAR(200), price DECIMAL(12,2), at DATETIME(6), body TEXT)")
        var next = 0
        let count = rows
        let body = String(repeating: "lorem ipsum ", count: 20)
        try connection.loadData(LoadDataStatement(table: "stream_rows"), from: RowInfileSource {
            guard next < count else { return nil }
            next += 1
            return [.int(Int64(next)), .string("product \(next)"), .decimal(MariaDBDecimal("\(next % 10_000).99")!),
                    .datetime(MariaDBDateTime(year: 2026, month: 1, day: 1, microsecond: next % 1_000_000)), .string(body)]
        })
        let before = Self.residentMiB()
        var seen = 0
        var samples: [(Int, Double)] = []
        let started = ContinuousClock.now
        try connection.stream("SELECT id, title, price, at, body FROM stream_rows", prepared: true) { row in
            seen += 1
            if seen % (count / 10) == 0 { samples.append((seen, Self.residentMiB())) }
            _ = row
        }
        let elapsed = ContinuousClock.now - started
        for (n, rss) in samples { print(String(format: "rows %8d  rss %.1f MiB", n, rss)) }
        print(String(format: "streamed %d rows in %.2f s; rss before %.1f MiB, peak during stream %.1f MiB, growth first→last sample %.1f MiB",
                     seen, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                     before, samples.map(\.1).max() ?? 0, (samples.last?.1 ?? 0) - (samples.first?.1 ?? 0)))
        try connection.execute("DROP TABLE stream_rows")
    }

    static func residentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kib / 1024
    }
}
