/// A schedule expression that cannot be used: names the expression and, where it is one field's fault, the
/// field (`minute field 61 out of range 0-59 in "61 * * * *"`).
public struct ScheduleError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        /// Not five fields, an empty list item, a stray character.
        public static let syntax = Code("syntax")
        /// A number outside the field's range, a backwards range, a zero or oversized step.
        public static let outOfRange = Code("out_of_range")
        /// A word that is neither a month or weekday name nor a known `@` alias.
        public static let unknownName = Code("unknown_name")
        /// Fields that can never all match (`0 0 30 2 *`).
        public static let neverMatches = Code("never_matches")
    }

    public let code: Code
    /// The expression as given.
    public let expression: String
    /// `minute`, `hour`, `day-of-month`, `month` or `day-of-week`; nil for the expression as a whole.
    public let field: String?
    public let message: String

    public init(_ code: Code, expression: String, field: String? = nil, _ message: String) {
        self.code = code
        self.expression = expression
        self.field = field
        self.message = message
    }

    public var description: String {
        let quoted = "\"\(expression)\""
        if let field { return "\(field) field \(message) in \(quoted)" }
        return "\(message) in \(quoted)"
    }
}
