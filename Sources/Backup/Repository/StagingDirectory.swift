import Foundation

/// A private (0700) temporary directory for the local copy of one object, for locations whose client program
/// only moves files (`sftp`): small objects given or wanted as `Data` pass through it.
struct StagingDirectory: Sendable {
    let path: String
    var file: String { path + "/object" }

    init(location: some LocationErrorContext, key: String) throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast())
        template.append(contentsOf: Array("backup-object-XXXXXX".utf8CString))
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw location.locationError(
                .io, key: key, message: "cannot create a temporary directory in \(base): errno \(errno)")
        }
        path = String(cString: created)
    }

    /// Writes `data` as the staged object and returns its path.
    func write(_ data: Data) throws -> String {
        try LocalFiles.writeFile(data, to: file)
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
