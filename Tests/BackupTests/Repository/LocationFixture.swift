import Backup
import BackupTestSupport
import Foundation

/// The three kinds of location the conformance suite runs against.
enum LocationKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case posix, sftp, s3
    var description: String { rawValue }
}

/// A fresh, empty location of one kind (its own directory, remote directory or key prefix) and a scratch
/// directory for local files, both cleaned up by `remove()`.
struct LocationFixture: Sendable {
    let location: any BackupLocation
    let scratch: TemporaryDirectory
    private let cleanup: @Sendable () -> Void

    static func make(_ kind: LocationKind) throws -> LocationFixture {
        let scratch = try TemporaryDirectory("location-test")
        let unique = "t-" + UUID().uuidString.prefix(8).lowercased()
        switch kind {
        case .posix:
            let store = try TemporaryDirectory("posix-location")
            return LocationFixture(
                location: PosixLocation(name: "local", path: store.path + "/store"), scratch: scratch,
                cleanup: { store.remove() })
        case .sftp:
            let server = try LocationServers.require().sftp
            let remote = server.dataDirectory + "/" + unique
            return LocationFixture(
                location: server.location(name: "offsite", path: unique), scratch: scratch,
                cleanup: { try? FileManager.default.removeItem(atPath: remote) })
        case .s3:
            let server = try LocationServers.require().s3
            return LocationFixture(
                location: server.location(name: "cloud", prefix: unique), scratch: scratch, cleanup: {})
        }
    }

    func remove() {
        cleanup()
        scratch.remove()
    }

    /// A local file of `size` pseudo-random bytes (different for every `seed`).
    func file(_ name: String, size: Int, seed: UInt64 = 1) throws -> (path: String, data: Data) {
        let data = Self.bytes(size, seed: seed)
        return (try scratch.write(name, data), data)
    }

    static func bytes(_ size: Int, seed: UInt64) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var data = Data(count: size)
        data.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt8.self)
            for index in 0..<size {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                words[index] = UInt8(truncatingIfNeeded: state)
            }
        }
        return data
    }
}

extension LocationError.Code {
    /// For `#expect(throws:)` checks that name the code.
    func matches(_ error: any Error) -> Bool { (error as? LocationError)?.code == self }
}
