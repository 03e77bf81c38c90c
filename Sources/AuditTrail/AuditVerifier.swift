import Crypto
import Foundation

/// Checks an audit log's chain: every line parses, numbers follow one another, each `prev` is the line
/// before's `hash`, and each `hash` is right (with the key, when the log was written with one).
public enum AuditVerifier {
    public struct Report: Sendable {
        public var records: Int
        public var lastHash: String
        /// The first problem, naming the file and line; `nil` when the chain is intact.
        public var problem: String?
    }

    public static func verify(path: String, keyFile: String?) throws -> Report {
        let key = try keyFile.map { try AuditLog.loadKey($0, setting: "key file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditTrailError("audit log \(path) cannot be read")
        }
        var previous = (seq: 0, hash: AuditRecord.genesis)
        var count = 0
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if line.isEmpty && index == lines.count - 1 { break }
            let place = "\(path):\(index + 1)"
            guard let record = try? JSONDecoder().decode(AuditRecord.self, from: Data(line)) else {
                return Report(records: count, lastHash: previous.hash, problem: "\(place): not an audit record")
            }
            guard record.seq == previous.seq + 1 else {
                return Report(
                    records: count, lastHash: previous.hash,
                    problem: "\(place): record \(record.seq) follows \(previous.seq) (a line is missing or added)")
            }
            guard record.prev == previous.hash else {
                return Report(
                    records: count, lastHash: previous.hash,
                    problem: "\(place): record \(record.seq) does not chain to the line before")
            }
            guard record.computedHash(key: key) == record.hash else {
                return Report(
                    records: count, lastHash: previous.hash,
                    problem: "\(place): record \(record.seq) was changed (its hash does not match)")
            }
            previous = (record.seq, record.hash)
            count += 1
        }
        return Report(records: count, lastHash: previous.hash, problem: nil)
    }

    /// The last complete record of a log, to continue its chain.
    public static func lastRecord(path: String) throws -> AuditRecord? {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        guard let line = data.split(separator: 0x0A).last else { return nil }
        guard let record = try? JSONDecoder().decode(AuditRecord.self, from: Data(line)) else {
            throw AuditTrailError(
                "audit log \(path) ends with a line that is not an audit record; verify it (storefront audit verify)")
        }
        return record
    }
}
