import Foundation

/// Locations that can describe a failure in their own terms (name, kind, host, path, bucket).
protocol LocationErrorContext {
    func locationError(_ code: LocationError.Code, key: String?, message: String) -> LocationError
}

/// The write–read–delete round trip behind every location's `check()`.
enum LocationProbe {
    /// Probe objects live under this directory, which backups never use.
    static let directory = ".probe"

    static func run<Location: BackupLocation & LocationErrorContext>(on location: Location) async throws {
        let host = hostName().filter { $0.isLetter || $0.isNumber || $0 == "-" }
        let key = "\(directory)/\(host.isEmpty ? "host" : host)-\(UUID().uuidString.lowercased())"
        let payload = Data("probe \(key) \(Date().timeIntervalSince1970)\n".utf8)
        try await location.put(key, data: payload)
        let returned: Data
        do {
            returned = try await location.get(key)
        } catch {
            try? await location.delete(key)
            throw error
        }
        try await location.delete(key)
        guard returned == payload else {
            throw location.locationError(
                .integrity, key: key,
                message: "the probe object read back differs from what was written (\(returned.count) of "
                    + "\(payload.count) bytes)")
        }
    }

    /// This machine's name, without the DNS lookup that `ProcessInfo.hostName` may make.
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
