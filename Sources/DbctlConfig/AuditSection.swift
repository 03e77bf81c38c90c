import Foundation

/// `security.audit`: the server's audit plugin as `dbctl security audit apply` sets it up, and the logs
/// `audit search` and `audit verify` read.
///
/// ```yaml
/// security:
///   audit:
///     server_log: /var/lib/mysql/server_audit.log   # server_audit_file_path; rotated ones are .1 … .N beside it
///     events: [CONNECT, QUERY_DDL, QUERY_DCL, QUERY_DML_NO_SELECT]   # the default; TABLE adds every table read
///     rotate_size: 100000000                         # bytes
///     rotations: 30
///     exclude_users: [monitor]                       # accounts whose sessions are not logged (a poller)
///     app_logs: [/var/log/storefront/audit.log]      # the shop's AUDIT_LOG_FILE, one per process
///     app_key_file: /etc/storefront/audit.key        # its AUDIT_KEY_FILE, to verify the chain
/// ```
public struct AuditSection: Sendable, Equatable {
    public static let knownEvents = [
        "CONNECT", "QUERY", "TABLE", "QUERY_DDL", "QUERY_DML", "QUERY_DCL", "QUERY_DML_NO_SELECT",
    ]

    public var serverLog: String
    public var events: [String]
    public var rotateSize: Int
    public var rotations: Int
    public var excludeUsers: [String]
    public var appLogs: [String]
    public var appKeyFile: String?

    public init(
        serverLog: String, events: [String] = ["CONNECT", "QUERY_DDL", "QUERY_DCL", "QUERY_DML_NO_SELECT"],
        rotateSize: Int = 100_000_000, rotations: Int = 30, excludeUsers: [String] = [], appLogs: [String] = [],
        appKeyFile: String? = nil
    ) {
        self.serverLog = serverLog
        self.events = events
        self.rotateSize = rotateSize
        self.rotations = rotations
        self.excludeUsers = excludeUsers
        self.appLogs = appLogs
        self.appKeyFile = appKeyFile
    }

    static func read(_ reader: YAMLReader) throws -> AuditSection {
        let map = try reader.mapping(
            allowed: ["server_log", "events", "rotate_size", "rotations", "exclude_users", "app_logs", "app_key_file"])
        let path = try map.requiredString("server_log")
        guard path.hasPrefix("/") else {
            throw try map.required("server_log").error(
                .invalidValue, "an absolute path (the server resolves others itself)")
        }
        var section = AuditSection(serverLog: path)
        if let events = try map.child("events") {
            section.events = []
            for entry in try events.sequence() {
                let event = try entry.scalarText().uppercased()
                guard knownEvents.contains(event) else {
                    throw entry.error(
                        .invalidValue, "unknown event \(event); one of \(knownEvents.joined(separator: ", "))")
                }
                section.events.append(event)
            }
            guard !section.events.isEmpty else { throw events.error(.invalidValue, "name at least one event") }
        }
        if let size = try map.int("rotate_size", in: 100_000...Int(Int32.max)) { section.rotateSize = size }
        if let rotations = try map.int("rotations", in: 0...999) { section.rotations = rotations }
        for entry in try map.child("exclude_users")?.sequence() ?? [] {
            let user = try entry.scalarText()
            guard RolesSection.isPlainName(user.replacingOccurrences(of: "-", with: "_")) else {
                throw entry.error(.invalidValue, "a user name of letters, digits, _ and -")
            }
            section.excludeUsers.append(user)
        }
        section.appLogs = try map.child("app_logs")?.sequence().map { try $0.scalarText() } ?? []
        section.appKeyFile = try map.string("app_key_file")
        return section
    }
}
