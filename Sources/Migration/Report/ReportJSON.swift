import Foundation

/// The reports' JSON form: pretty-printed, keys sorted (stable diffs between runs).
public protocol ReportJSON: Encodable {}

extension ReportJSON {
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
