import Foundation

/// Reads server_audit's file output: `path` and the rotated `path.1` … `path.N`, oldest first. A line is
/// `yyyyMMdd HH:mm:ss,serverhost,user,host,connectionid,queryid,operation,database,object,retcode`, where a
/// QUERY's object is the statement in single quotes (commas and `\'` inside) and the time is the server's
/// local time.
public struct ServerAuditReader: Sendable {
    public let path: String
    public let timeZone: TimeZone

    public init(path: String, timeZone: TimeZone = .current) {
        self.path = path
        self.timeZone = timeZone
    }

    /// The files that exist, oldest first.
    public func files() -> [String] {
        let manager = FileManager.default
        var rotated: [(Int, String)] = []
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        for entry in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] where entry.hasPrefix(name + ".") {
            if let number = Int(entry.dropFirst(name.count + 1)) { rotated.append((number, directory + "/" + entry)) }
        }
        let existing = manager.fileExists(atPath: path) ? [path] : []
        return rotated.sorted { $0.0 > $1.0 }.map(\.1) + existing
    }

    public struct Result: Sendable {
        public var events: [AuditEvent] = []
        /// Lines that are not server_audit records, as `file:line`.
        public var unreadable: [String] = []
    }

    public func read() -> Result {
        var result = Result()
        let parser = Self.timeParser(timeZone)
        for file in files() {
            guard let data = FileManager.default.contents(atPath: file) else {
                result.unreadable.append("\(file): cannot be read")
                continue
            }
            for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
                if let event = Self.parse(String(line), parser: parser, origin: "\(file):\(index + 1)") {
                    result.events.append(event)
                } else {
                    result.unreadable.append("\(file):\(index + 1)")
                }
            }
        }
        return result
    }

    static func timeParser(_ zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyyMMdd HH:mm:ss"
        return formatter
    }

    static func parse(_ line: String, parser: DateFormatter, origin: String) -> AuditEvent? {
        var fields: [Substring] = []
        var rest = Substring(line)
        for _ in 0..<8 {
            guard let comma = rest.firstIndex(of: ",") else { return nil }
            fields.append(rest[..<comma])
            rest = rest[rest.index(after: comma)...]
        }
        // What is left is "object,retcode"; the object may itself hold commas.
        guard let last = rest.lastIndex(of: ","), let time = parser.date(from: String(fields[0])) else { return nil }
        var object = String(rest[..<last])
        if object.hasPrefix("'") && object.hasSuffix("'") && object.count >= 2 {
            object = String(object.dropFirst().dropLast()).replacingOccurrences(of: "\\'", with: "'")
        }
        return AuditEvent(
            time: time, source: .server, user: String(fields[2]), host: String(fields[3]), event: String(fields[6]),
            database: String(fields[7]), object: object, outcome: String(rest[rest.index(after: last)...]),
            session: String(fields[4]), origin: origin)
    }
}
