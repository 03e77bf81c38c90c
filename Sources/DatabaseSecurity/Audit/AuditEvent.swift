import Foundation

/// One entry of the audit stream: a line of the server's audit log (server_audit) or of the shop's
/// application log, in one shape so both read as one time-ordered stream.
public struct AuditEvent: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable { case server, app }

    public var time: Date
    public var source: Source
    /// The account (server) or the actor (`customer:7`, `admin:ops`, `anonymous`).
    public var user: String
    /// The client's address.
    public var host: String
    /// server_audit's operation (`CONNECT`, `FAILED_CONNECT`, `QUERY`, `READ`, `WRITE`, …) or the shop's action.
    public var event: String
    /// The database of a server event.
    public var database: String
    /// A table (`READ`/`WRITE`), a statement (`QUERY`), or the shop's object.
    public var object: String
    /// The server's return code (0 is success; 1045 a wrong password) or the shop's outcome.
    public var outcome: String
    /// The server's connection id, or the shop's request id.
    public var session: String
    /// `file:line` it came from.
    public var origin: String

    public var account: String { source == .server ? "\(user)@\(host)" : user }

    public init(
        time: Date, source: Source, user: String, host: String, event: String, database: String, object: String,
        outcome: String, session: String, origin: String
    ) {
        self.time = time
        self.source = source
        self.user = user
        self.host = host
        self.event = event
        self.database = database
        self.object = object
        self.outcome = outcome
        self.session = session
        self.origin = origin
    }
}
