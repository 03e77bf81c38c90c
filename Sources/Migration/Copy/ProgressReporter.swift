import Foundation

/// Rows, rate and ETA: a redrawn line on a terminal, one status line per interval otherwise.
public final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    private var perTable: [String: Int] = [:]
    private var started = Date()
    private var lastPrint = Date.distantPast
    private let interval: TimeInterval
    private let enabled: Bool
    private let isTTY = isatty(STDERR_FILENO) == 1

    public init(enabled: Bool = true, interval: TimeInterval? = nil) {
        self.enabled = enabled
        self.interval = interval ?? (isatty(STDERR_FILENO) == 1 ? 0.2 : 5)
    }

    func start(totalRows: Int) {
        lock.lock(); total = totalRows; started = Date(); perTable = [:]; lock.unlock()
    }

    func update(table: String, rows: Int) {
        lock.lock()
        perTable[table] = rows
        let now = Date()
        guard enabled, now.timeIntervalSince(lastPrint) >= interval else { lock.unlock(); return }
        lastPrint = now
        let line = statusLine(now: now)
        lock.unlock()
        FileHandle.standardError.write(Data((isTTY ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    func finish() {
        guard enabled else { return }
        lock.lock()
        let line = statusLine(now: Date())
        lock.unlock()
        FileHandle.standardError.write(Data(((isTTY ? "\r\u{1B}[K" : "") + line + "\n").utf8))
    }

    private func statusLine(now: Date) -> String {
        let done = perTable.values.reduce(0, +)
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(done) / elapsed
        let eta = rate > 0 && total > done ? Double(total - done) / rate : 0
        let percent = total > 0 ? Double(done) * 100 / Double(total) : 100
        return String(format: "copy: %d/%d rows (%.1f%%), %.0f rows/s, elapsed %.1fs, ETA %.1fs", done, total, percent, rate, elapsed, eta)
    }
}
