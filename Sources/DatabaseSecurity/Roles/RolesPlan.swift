import DbctlConfig
import MariaDB

/// What `security roles apply` would do on one server: the statements in order (secrets shown as `'…'`), and
/// what it found and leaves alone.
public struct RolesPlan: Sendable {
    public struct Step: Sendable {
        /// The statement as printed: a password hash appears as `'…'`.
        public let shown: String
        /// The statement run; holds a password hash only for `CREATE USER`.
        let sql: String
        /// What the step is for (`role dbctl_shop`, `account shop_a@10.0.0.5`).
        public let subject: String
        /// Where a new account's password comes from.
        public var note: String?

        init(shown: String, sql: String, subject: String, note: String? = nil) {
            self.shown = shown
            self.sql = sql
            self.subject = subject
            self.note = note
        }
    }

    /// Something the plan does not change: an extra privilege (never revoked), a server setting a role needs.
    public struct Finding: Sendable, CustomStringConvertible {
        public let subject: String
        public let message: String
        public var description: String { "\(subject): \(message)" }
    }

    public var steps: [Step] = []
    public var findings: [Finding] = []
    /// One line per role and account already as configured.
    public var unchanged: [String] = []
    /// Passwords generated for new accounts: written to their password files when the plan is applied.
    var newSecrets: [(file: String, password: String)] = []

    public var isEmpty: Bool { steps.isEmpty }
}
