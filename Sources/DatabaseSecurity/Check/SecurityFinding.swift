/// One thing `security check` found: how bad, what it saw, and the exact fix.
public struct SecurityFinding: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
        case low, medium, high

        var rank: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// Stable name of the rule (`accounts.anonymous`, `tls.required`), for allow-lists and scripts.
    public let rule: String
    public let severity: Severity
    public let title: String
    /// What was seen: account names, variable values, file modes. Never a secret.
    public let evidence: String
    /// The statement, setting or command that fixes it.
    public let fix: String

    public var description: String {
        "[\(severity.rawValue)] \(rule): \(title)\n    evidence: \(evidence)\n    fix: \(fix)"
    }
}
