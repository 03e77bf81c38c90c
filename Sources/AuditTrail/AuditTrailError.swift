/// A problem with an audit log or its key: the setting or file, and what to do. Never holds a key.
public struct AuditTrailError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
