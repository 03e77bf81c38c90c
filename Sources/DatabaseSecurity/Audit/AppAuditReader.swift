import AuditTrail
import Foundation

/// Reads the shop's application audit log (one JSON `AuditRecord` per line) as audit events.
public struct AppAuditReader: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public func read() -> ServerAuditReader.Result {
        var result = ServerAuditReader.Result()
        guard let data = FileManager.default.contents(atPath: path) else {
            result.unreadable.append("\(path): cannot be read")
            return result
        }
        for (index, line) in data.split(separator: 0x0A).enumerated() {
            guard let record = try? JSONDecoder().decode(AuditRecord.self, from: Data(line)),
                let time = AuditTime.parse(record.at)
            else {
                result.unreadable.append("\(path):\(index + 1)")
                continue
            }
            result.events.append(
                AuditEvent(
                    time: time, source: .app, user: record.actor, host: record.client, event: record.action,
                    database: "", object: record.object, outcome: record.outcome, session: record.requestID,
                    origin: "\(path):\(index + 1)"))
        }
        return result
    }
}
