import DbctlConfig
import Foundation

/// `dbctl security audit search`: the server's audit files (rotated ones included) and the shop's logs as one
/// time-ordered stream, filtered. Statements show their string literals as `'?'` unless values are asked for:
/// a statement in the audit log may carry a customer's data.
public struct AuditSearch: Sendable {
    public struct Filter: Sendable {
        public var users: Set<String> = []
        public var hosts: Set<String> = []
        /// Matched case-insensitively against the operation or action (`failed_connect`, `signin`).
        public var events: Set<String> = []
        /// A substring of `database.object` (a table, a statement, `customer:7`).
        public var object: String?
        public var since: Date?
        public var until: Date?
        public var source: AuditEvent.Source?

        public init() {}

        func matches(_ event: AuditEvent) -> Bool {
            if !users.isEmpty && !users.contains(event.user) { return false }
            if !hosts.isEmpty && !hosts.contains(event.host) { return false }
            if !events.isEmpty && !events.contains(event.event.lowercased()) { return false }
            if let source, event.source != source { return false }
            if let since, event.time < since { return false }
            if let until, event.time > until { return false }
            if let object {
                let text = event.database.isEmpty ? event.object : event.database + "." + event.object
                if !text.localizedCaseInsensitiveContains(object) { return false }
            }
            return true
        }
    }

    public let section: AuditSection
    public let timeZone: TimeZone

    public init(section: AuditSection, timeZone: TimeZone = .current) {
        self.section = section
        self.timeZone = timeZone
    }

    public struct Result: Sendable {
        public var events: [AuditEvent]
        public var unreadable: [String]
        public var files: [String]
    }

    public func run(_ filter: Filter, showValues: Bool = false) -> Result {
        let server = ServerAuditReader(path: section.serverLog, timeZone: timeZone)
        var files = server.files()
        var all = server.read()
        for log in section.appLogs {
            let app = AppAuditReader(path: log).read()
            all.events += app.events
            all.unreadable += app.unreadable
            files.append(log)
        }
        // Stable: lines of one second keep their order within their file.
        let ordered = all.events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        var events = ordered.map(\.element).filter(filter.matches)
        if !showValues {
            for index in events.indices where events[index].event == "QUERY" {
                events[index].object = Self.maskLiterals(events[index].object)
            }
        }
        return Result(events: events, unreadable: all.unreadable, files: files)
    }

    /// `'…'` and `"…"` literals become `'?'`: the statement's shape stays, its values go.
    public static func maskLiterals(_ statement: String) -> String {
        var output = ""
        var quote: Character?
        var escaped = false
        for character in statement {
            if let open = quote {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == open {
                    quote = nil
                    output += "?'"
                }
                continue
            }
            if character == "'" || character == "\"" {
                quote = character
                output.append("'")
            } else {
                output.append(character)
            }
        }
        if quote != nil { output += "?'" }
        return output
    }

    /// `--since` / `--until`: RFC 3339 (`2026-12-03T06:00:00Z`), or an age before `now` (`90m`, `2h`, `7d`).
    public static func time(_ text: String, now: Date = Date()) -> Date? {
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last, let factor = units[unit], let number = Double(text.dropLast()), number >= 0 {
            return now.addingTimeInterval(-number * factor)
        }
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)
    }
}
