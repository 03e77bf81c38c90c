/// Something an operator should know about, identified so that raising it again is the same alert.
public struct Alert: Sendable, Codable, Equatable {
    public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
        case info
        case warning
        case critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Stable identity: `backup.failed/local`, `backup.stale/incremental`. Raising the same id again while it
    /// is active is a repeat, not a new alert.
    public var id: String
    public var severity: Severity
    /// One line: "full backup 20261202T0100Z failed: mariadb-backup exited 1".
    public var summary: String
    /// The facts that prove it (backup id, location, error, last success). Never secrets.
    public var evidence: [String: String]
    /// What raised it: `backup`, `monitoring`, `security`.
    public var source: String

    public init(
        id: String, severity: Severity, summary: String, evidence: [String: String] = [:], source: String
    ) {
        self.id = id
        self.severity = severity
        self.summary = summary
        self.evidence = evidence
        self.source = source
    }
}
