import Foundation

/// A fresh directory under the system's temporary directory, removed by ``remove()``.
public struct TemporaryDirectory: Sendable {
    public let path: String

    /// Creates `<tmp>/<prefix>-XXXXXX` with mode 0700.
    public init(_ prefix: String = "backup-test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array(((base.hasSuffix("/") ? base : base + "/") + prefix + "-XXXXXX").utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestServerError("cannot create a temporary directory in \(base): errno \(errno)")
        }
        path = String(cString: created)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `contents` to `name` with `mode` and returns the path.
    @discardableResult
    public func write(_ name: String, _ contents: Data, mode: Int = 0o600) throws -> String {
        let target = file(name)
        guard FileManager.default.createFile(atPath: target, contents: contents, attributes: [.posixPermissions: mode])
        else { throw TestServerError("cannot write \(target)") }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: target)
        return target
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
