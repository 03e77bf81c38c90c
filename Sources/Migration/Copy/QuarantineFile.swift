import Foundation

/// Rows that could not be copied exactly, one JSON object per line, with the reason. Created 0600: the
/// rows may hold personal data.
public final class QuarantineFile: @unchecked Sendable {
    public let path: String
    private let handle: FileHandle
    private let lock = NSLock()
    public private(set) var count = 0

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw MigrationError("quarantine file \(path) cannot be created")
        }
        self.handle = handle
    }

    func write(table: String, key: String, column: String, reason: String, row: [SQLiteValue]) throws {
        let values: [Any] = row.map { value -> Any in
            switch value {
            case .null: return NSNull()
            case .integer(let v): return v
            case .real(let d): return d.isFinite ? d as Any : "\(d)"
            case .text(let b): return String(validating: b, as: UTF8.self) ?? ["hex": b.map { String(format: "%02x", $0) }.joined()]
            case .blob(let b): return ["hex": b.map { String(format: "%02x", $0) }.joined()]
            }
        }
        let object: [String: Any] = ["table": table, "key": key, "column": column, "reason": reason, "row": values]
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        data.append(0x0A)
        lock.lock()
        defer { lock.unlock() }
        try handle.write(contentsOf: data)
        count += 1
    }

    public func close() { try? handle.close() }
}
