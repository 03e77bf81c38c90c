/// One named precondition of a verb: what was checked and what was found. A verb writes only when every
/// check passed and `--execute` was given.
public struct Check: Sendable, Codable, Equatable {
    public var name: String
    public var ok: Bool
    public var detail: String
    /// A warning: reported, but the verb may go ahead.
    public var warning: Bool

    public init(_ name: String, ok: Bool, _ detail: String, warning: Bool = false) {
        self.name = name
        self.ok = ok
        self.detail = detail
        self.warning = warning
    }

    public var line: String { "\(ok ? (warning ? "!" : "✓") : "✗") \(name): \(detail)" }
}

extension [Check] {
    public var failures: [Check] { filter { !$0.ok } }
}
