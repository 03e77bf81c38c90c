import Backup
import BackupTestSupport
import Foundation
import Testing

/// The behaviour every location kind must share, run against a local directory, a real sshd and moto.
@Suite(.locationServers)
struct LocationConformanceTests {
    @Test(arguments: LocationKind.allCases)
    func putAndGetAMultiMebibyteFile(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        let location = fixture.location
        let source = try fixture.file("data.mbs.sealed", size: 3 << 20 + 17)
        let key = "backups/20261202T0100Z-full/data.mbs.sealed"

        let stored = try await location.put(key, fromFile: source.path)
        #expect(stored == UInt64(source.data.count))
        let destination = fixture.scratch.file("restored")
        let fetched = try await location.get(key, toFile: destination)
        #expect(fetched == stored)
        #expect(FileManager.default.contents(atPath: destination) == source.data)
        #expect(!FileManager.default.fileExists(atPath: destination + ".partial"))
        #expect(try await location.exists(key))
        #expect(try await location.list(prefix: "backups/") == [
            LocationObject(key: key, size: stored, modified: try await location.list(prefix: "").first?.modified),
        ])
    }

    /// A download into a pipe or device (`/dev/null` to just verify) goes into it: renaming a finished file
    /// over it would replace the device with a regular file.
    @Test(arguments: LocationKind.allCases)
    func downloadingIntoAPipeWritesIntoIt(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        try await fixture.location.put("backups/x", data: Data(repeating: 1, count: 10_000))
        let fifo = fixture.scratch.file("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = PipeReader(path: fifo)
        #expect(try await fixture.location.get("backups/x", toFile: fifo) == 10_000)
        #expect(await reader.total() == 10_000)
        let type = try FileManager.default.attributesOfItem(atPath: fifo)[.type] as? FileAttributeType
        #expect(type != .typeRegular)
        #expect(!FileManager.default.fileExists(atPath: fifo + ".partial"))
    }

    @Test(arguments: LocationKind.allCases)
    func smallDataRoundTrips(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        let location = fixture.location
        let manifest = Data(#"{"backup":"20261202T0100Z-full","files":3}"#.utf8)
        try await location.put("backups/20261202T0100Z-full/manifest.json", data: manifest)
        #expect(try await location.get("backups/20261202T0100Z-full/manifest.json") == manifest)
        try await location.put("empty", data: Data())
        #expect(try await location.get("empty") == Data())
        let odd = "backups/2026 12/a+b=c$d~e,f@g'h#i*j?[1]&%20.txt"
        try await location.put(odd, data: Data("odd".utf8))
        #expect(try await location.get(odd) == Data("odd".utf8))
        #expect(try await location.list(prefix: "backups/2026 ").map(\.key) == [odd])
    }

    @Test(arguments: LocationKind.allCases)
    func listIsRecursiveAndFiltersByPrefix(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        let location = fixture.location
        let keys = [
            "backups/20261201T0100Z-full/data.mbs.sealed", "backups/20261201T0100Z-full/manifest.json",
            "backups/20261202T0100Z-incr/data.mbs.sealed", "binlogs/0-1-000001.sealed", "catalog.json",
        ]
        for (index, key) in keys.enumerated() {
            try await location.put(key, data: Data(repeating: UInt8(index), count: index + 1))
        }
        let all = try await location.list(prefix: "")
        #expect(all.map(\.key) == keys)
        #expect(all.map(\.size) == [1, 2, 3, 4, 5])
        #expect(try await location.list(prefix: "backups/").map(\.key) == Array(keys[0..<3]))
        #expect(try await location.list(prefix: "backups/20261202").map(\.key) == [keys[2]])
        #expect(try await location.list(prefix: "backups/20261201T0100Z-full/m").map(\.key) == [keys[1]])
        #expect(try await location.list(prefix: "b").map(\.key) == Array(keys[0..<4]))
        #expect(try await location.list(prefix: "nothing/").isEmpty)
        if kind != .s3 {
            let recent = Date().addingTimeInterval(-3600)...Date().addingTimeInterval(3600)
            #expect(all.allSatisfy { $0.modified.map(recent.contains) == true })
        }
    }

    @Test(arguments: LocationKind.allCases)
    func putOverwritesAnExistingObject(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        let location = fixture.location
        let first = try fixture.file("first", size: 100_000, seed: 2)
        let second = try fixture.file("second", size: 70_001, seed: 3)
        _ = try await location.put("backups/x/data", fromFile: first.path)
        _ = try await location.put("backups/x/data", fromFile: second.path)
        #expect(try await location.get("backups/x/data") == second.data)
        try await location.put("backups/x/data", data: Data("third".utf8))
        #expect(try await location.get("backups/x/data") == Data("third".utf8))
        #expect(try await location.list(prefix: "") == [
            LocationObject(key: "backups/x/data", size: 5, modified: try await location.list(prefix: "")[0].modified),
        ])
    }

    @Test(arguments: LocationKind.allCases)
    func deleteRemovesAndToleratesMissingObjects(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        let location = fixture.location
        try await location.put("backups/a/one", data: Data("1".utf8))
        try await location.put("backups/b/two", data: Data("2".utf8))
        #expect(try await location.exists("backups/a/one"))
        try await location.delete("backups/a/one")
        #expect(try await !location.exists("backups/a/one"))
        try await location.delete("backups/a/one")
        try await location.delete("never/was/there")
        #expect(try await location.list(prefix: "").map(\.key) == ["backups/b/two"])
        #expect(try await !location.exists("backups/a"))
    }

    @Test(arguments: LocationKind.allCases)
    func checkWritesReadsAndRemovesItsProbe(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        try await fixture.location.check()
        #expect(try await fixture.location.list(prefix: "").isEmpty)
    }

    @Test(arguments: LocationKind.allCases)
    func aMissingKeyIsNotFoundAndNamed(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        let location = fixture.location
        try await location.put("backups/present", data: Data("here".utf8))
        let key = "backups/20261202T0100Z-full/missing.sealed"
        let error = try await #require(throws: LocationError.self) { try await location.get(key) }
        #expect(error.code == .notFound)
        #expect(error.key == key)
        #expect(error.description.contains(key))
        #expect(error.description.contains(location.name))
        let destination = fixture.scratch.file("never")
        let toFile = try await #require(throws: LocationError.self) {
            try await location.get(key, toFile: destination)
        }
        #expect(toFile.code == .notFound)
        #expect(!FileManager.default.fileExists(atPath: destination))
        #expect(!FileManager.default.fileExists(atPath: destination + ".partial"))
    }

    @Test(arguments: LocationKind.allCases)
    func keysOutsideTheLocationAreRefused(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        let location = fixture.location
        for key in ["../escape", "/etc/passwd", "backups/../../x", "a//b", "a/./b", "dir/", "", "a\"b", "a\\b",
            "line\nbreak", "upload.partial"] {
            let error = try await #require(throws: LocationError.self, "\(key)") {
                try await location.put(key, data: Data("x".utf8))
            }
            #expect(error.code == .invalidKey, "\(key)")
        }
        await #expect(throws: LocationError.self) { try await location.get("../x") }
        await #expect(throws: LocationError.self) { try await location.delete("/x") }
        await #expect(throws: LocationError.self) { try await location.list(prefix: "../") }
        #expect(try await location.list(prefix: "").isEmpty)
    }

    @Test(arguments: LocationKind.allCases)
    func freeSpaceIsKnownWhereItCanBe(kind: LocationKind) async throws {
        let fixture = try LocationFixture.make(kind)
        defer { fixture.remove() }
        let space = try await fixture.location.freeSpace()
        if kind == .s3 {
            #expect(space == nil)
        } else {
            let known = try #require(space)
            #expect(known.total > 0)
            #expect(known.free <= known.total)
        }
    }
}

/// Reads a named pipe to its end on a thread of its own and counts the bytes.
private final class PipeReader: @unchecked Sendable {
    // `count` is written once by the reading thread before `done` is signalled.
    private var count = 0
    private let done = DispatchSemaphore(value: 0)

    init(path: String) {
        Thread.detachNewThread { [self] in
            let fd = open(path, O_RDONLY)
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while fd >= 0 {
                let got = read(fd, &buffer, buffer.count)
                if got <= 0 { break }
                count += got
            }
            if fd >= 0 { close(fd) }
            done.signal()
        }
    }

    /// The bytes read, or -1 when the pipe was not written and closed within 30 s.
    func total() async -> Int {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [self] in
                let finished = done.wait(timeout: .now() + 30) == .success
                continuation.resume(returning: finished ? count : -1)
            }
        }
    }
}
