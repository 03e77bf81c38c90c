import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The alert book's JSON file: `{"version": 1, "alerts": [AlertRecord…]}`, alerts sorted by id.
struct StateFile {
    let path: String

    struct Document: Codable {
        var version: Int
        var alerts: [AlertRecord]
    }

    /// An exclusive `flock` on `path.lock`, held until released.
    struct Lock {
        let descriptor: Int32
        func release() {
            _ = flock(descriptor, LOCK_UN)
            _ = close(descriptor)
        }
    }

    func lock() throws(NotifyError) -> Lock {
        try createDirectory()
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw NotifyError(.stateFile, target: lockPath, "cannot open: \(String(cString: strerror(errno)))")
        }
        var result: Int32
        repeat { result = flock(descriptor, LOCK_EX) } while result != 0 && errno == EINTR
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            _ = close(descriptor)
            throw NotifyError(.stateFile, target: lockPath, "cannot lock: \(reason)")
        }
        return Lock(descriptor: descriptor)
    }

    /// The records, nil when the file does not exist.
    func read() throws(NotifyError) -> [String: AlertRecord]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw NotifyError(.stateFile, target: path, "cannot read: \(error.localizedDescription)")
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw NotifyError(.stateFile, target: path, "not an alert state file: \(Self.describe(error))")
        }
        guard document.version == 1 else {
            throw NotifyError(.stateFile, target: path, "alert state version \(document.version) is not 1")
        }
        return Dictionary(document.alerts.map { ($0.alert.id, $0) }) { _, last in last }
    }

    func write(_ records: [String: AlertRecord]) throws(NotifyError) {
        try createDirectory()
        let document = Document(version: 1, alerts: records.values.sorted { $0.alert.id < $1.alert.id })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            try encoder.encode(document).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw NotifyError(.stateFile, target: path, "cannot write: \(error.localizedDescription)")
        }
    }

    private func createDirectory() throws(NotifyError) {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw NotifyError(.stateFile, target: directory, "cannot create: \(error.localizedDescription)")
        }
    }

    /// Where a decoding error is, in one line.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
             .valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
