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
            if let event = Self.parse(Data(line), origin: "\(path):\(index + 1)") {
                result.events.append(event)
            } else {
                result.unreadable.append("\(path):\(index + 1)")
            }
        }
        return result
    }

    /// One line of the log as an event; nil when it is not an audit record.
    static func parse(_ line: Data, origin: String) -> AuditEvent? {
        guard let record = try? JSONDecoder().decode(AuditRecord.self, from: line),
            let time = AuditTime.parse(record.at)
        else { return nil }
        return AuditEvent(
            time: time, source: .app, user: record.actor, host: record.client, event: record.action, database: "",
            object: record.object, outcome: record.outcome, session: record.requestID, origin: origin)
    }
}
