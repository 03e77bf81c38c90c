import Backup
import BackupTestSupport
import Foundation
import Testing

private let benchMebibytes = ProcessInfo.processInfo.environment["BACKUP_LOCATION_BENCH_MIB"].flatMap(Int.init)

/// Upload and download rates and peak memory per kind, for a file of `BACKUP_LOCATION_BENCH_MIB` mebibytes.
/// Runs only when that variable is set: `BACKUP_LOCATION_BENCH_MIB=512 swift test --filter LocationThroughput`.
@Suite(.locationServers, .enabled(if: benchMebibytes != nil))
struct LocationThroughputTests {

    @Test(.serialized, arguments: LocationKind.allCases)
    func throughput(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        let size = (benchMebibytes ?? 1) << 20
        let source = fixture.scratch.file("bench")
        // Written in pieces so that the file never sits in this process's memory.
        _ = FileManager.default.createFile(atPath: source, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: source))
        for piece in 0..<(size >> 20) {
            try handle.write(contentsOf: LocationFixture.bytes(1 << 20, seed: UInt64(piece)))
        }
        try handle.close()

        let before = Self.peakResidentMiB()
        let putStart = Date()
        _ = try await fixture.location.put("bench/data.mbs.sealed", fromFile: source)
        let putSeconds = Date().timeIntervalSince(putStart)
        let getStart = Date()
        _ = try await fixture.location.get("bench/data.mbs.sealed", toFile: fixture.scratch.file("back"))
        let getSeconds = Date().timeIntervalSince(getStart)
        let mib = Double(size) / 1_048_576
        print(String(
            format: "throughput %@: %d MiB, put %.1f MiB/s (%.2f s), get %.1f MiB/s (%.2f s), peak RSS %d → %d MiB",
            kind.rawValue, size >> 20, mib / putSeconds, putSeconds, mib / getSeconds, getSeconds, before,
            Self.peakResidentMiB()))
        let original = try FileHandle(forReadingFrom: URL(fileURLWithPath: source))
        let copy = try FileHandle(forReadingFrom: URL(fileURLWithPath: fixture.scratch.file("back")))
        while let left = try original.read(upToCount: 1 << 20), !left.isEmpty {
            #expect(try copy.read(upToCount: 1 << 20) == left)
        }
    }

    /// VmHWM: the most memory this process has held at once.
    static func peakResidentMiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }
}
