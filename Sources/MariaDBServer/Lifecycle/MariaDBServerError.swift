/// Why a local server could not be prepared, started or stopped. Messages name the file or command.
public struct MariaDBServerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
