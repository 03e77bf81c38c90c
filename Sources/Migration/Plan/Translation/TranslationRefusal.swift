/// Why a piece of SQLite SQL is not carried over: the exact construct and what MariaDB does differently
/// (or cannot do). One line, safe to print: it names SQL, never data.
public struct TranslationRefusal: Error, Sendable, CustomStringConvertible, Equatable {
    public var construct: String
    public var reason: String

    public init(_ construct: String, _ reason: String) {
        self.construct = construct
        self.reason = reason
    }

    public var description: String { "\(construct): \(reason)" }
}
