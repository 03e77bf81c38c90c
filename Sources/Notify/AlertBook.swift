import Foundation

/// The state of every active alert, so an alert fires once, repeats at most every `repeatInterval` while it
/// stays active, and resolves once.
///
/// With a file, the state is kept there as JSON (written to a temporary file and renamed over it), and every
/// call rereads it under an exclusive `flock` on `FILE.lock`: a restarted process does not fire again what
/// already fired, and several dbctl processes sharing the file do not fire the same alert twice. Without a
/// file the state lives only in memory.
///
/// Time is always passed in, never read from a clock.
public actor AlertBook {
    public nonisolated let file: String?
    public nonisolated let repeatInterval: TimeInterval
    private var records: [String: AlertRecord]
    /// The last problem reading or writing the file; nil once an update succeeded again. While there is one,
    /// the book goes on from memory: alerts still fire, but a restart may repeat them early.
    public private(set) var stateFailure: NotifyError?

    /// Opens the book; a file that exists but cannot be read or parsed is an error naming it (a missing one
    /// is an empty book).
    public init(file: String?, repeatInterval: TimeInterval = 4 * 3_600) throws {
        self.file = file
        self.repeatInterval = repeatInterval
        if let file {
            let state = StateFile(path: file)
            let lock = try? state.lock()
            defer { lock?.release() }
            records = try state.read() ?? [:]
        } else {
            records = [:]
        }
    }

    /// Records `alert` as active at `now`. Returns the notification to send: a first `firing` when it was
    /// not active, a repeat when `repeatInterval` has passed since the last one or the severity rose, else
    /// nothing (the stored summary and evidence are still updated).
    public func raise(_ alert: Alert, now: Date) -> [AlertNotification] {
        update { records in
            guard var record = records[alert.id] else {
                let record = AlertRecord(alert: alert, firedAt: now, lastSentAt: now, repeatCount: 0)
                records[alert.id] = record
                return [record.notification(.firing, sentAt: now)]
            }
            let escalated = alert.severity > record.alert.severity
            record.alert = alert
            defer { records[alert.id] = record }
            guard escalated || now.timeIntervalSince(record.lastSentAt) >= repeatInterval else { return [] }
            record.repeatCount += 1
            record.lastSentAt = now
            return [record.notification(.firing, sentAt: now)]
        }
    }

    /// Ends the alert `id`: one `resolved` notification if it was active, nothing if it was not.
    public func resolve(id: String, now: Date) -> [AlertNotification] {
        update { records in
            guard let record = records.removeValue(forKey: id) else { return [] }
            return [record.notification(.resolved, sentAt: now)]
        }
    }

    /// The active alerts, by id.
    public func active() -> [Alert] {
        activeRecords().map(\.alert)
    }

    /// The active alerts with when they fired and how often they repeated, by id.
    public func activeRecords() -> [AlertRecord] {
        _ = update { _ in [] }
        return records.values.sorted { $0.alert.id < $1.alert.id }
    }

    /// Applies `change` to the freshest state and stores the result.
    private func update(_ change: (inout [String: AlertRecord]) -> [AlertNotification]) -> [AlertNotification] {
        guard let file else { return change(&records) }
        let state = StateFile(path: file)
        var failures: [NotifyError] = []
        let lock: StateFile.Lock?
        do {
            lock = try state.lock()
        } catch {
            lock = nil
            failures.append(error)  // unlocked is still better than not alerting
        }
        defer { lock?.release() }
        do {
            // A missing file is a book never written (or not writable): what memory holds still stands.
            if let stored = try state.read() { records = stored }
        } catch {
            failures.append(error)  // unreadable now: carry on from memory and write it anew
        }
        let before = records
        let notifications = change(&records)
        if records != before || !failures.isEmpty {
            do { try state.write(records) } catch { failures.append(error) }
        }
        stateFailure = failures.first
        return notifications
    }
}
