import Crypto
import Foundation

/// Encrypts what is stored and fans it out: a large object is sealed once into the staging folder (never in
/// clear on disk) and uploaded to every location; small documents (manifests, the catalog) are sealed and
/// written twice. A location that fails is recorded, not fatal: the object is then "missing" there.
struct Vault: Sendable {
    let environment: BackupEnvironment

    /// Seals everything read from `input` (a pipe from a tool, or a file) into `staging/<name>`.
    func seal(input: FileHandle, key: String, identity: String, stagingName: String) throws -> (ObjectRecord, String) {
        let path = environment.work.staging + "/" + stagingName
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? output.close() }
        let dataKey = SymmetricKey(size: .bits256)
        let summary = try SealedFile.encrypt(input: input, output: output, dataKey: dataKey, identity: identity)
        try output.synchronize()
        let wrapped = try environment.keyRing.wrap(dataKey, identity: identity)
        let record = ObjectRecord(key: key, identity: identity, plainBytes: UInt64(summary.plainBytes),
                                  cipherBytes: UInt64(summary.cipherBytes), plainSHA256: summary.plainSHA256,
                                  cipherSHA256: summary.cipherSHA256, wrappedKey: wrapped)
        return (record, path)
    }

    /// Uploads a staged file to every location; returns each location's state.
    func fanOut(file: String, key: String, to locations: [any BackupLocation]) async -> [String: LocationState] {
        await withTaskGroup(of: (String, LocationState).self) { group in
            for location in locations {
                group.addTask {
                    do {
                        _ = try await location.put(key, fromFile: file)
                        return (location.name, LocationState(status: .stored, at: environment.now()))
                    } catch {
                        return (location.name, LocationState(status: .missing, at: environment.now(),
                                                             error: "\(error)"))
                    }
                }
            }
            var states: [String: LocationState] = [:]
            for await (name, state) in group { states[name] = state }
            return states
        }
    }

    /// Seals a small document and writes it under `key` and `copyKey` in one location.
    func storeDocument(_ data: Data, key: String, copyKey: String, identity: String,
                       in location: any BackupLocation) async throws {
        let sealed = try SealedBlob.seal(data, identity: identity, keyRing: environment.keyRing)
        try await location.put(key, data: sealed)
        try await location.put(copyKey, data: sealed)
    }

    /// Reads a sealed document, falling back to its copy when the first is missing or fails to open; the
    /// error names both problems.
    func loadDocument(key: String, copyKey: String, identity: String, from location: any BackupLocation)
        async throws -> (data: Data, problems: [String]) {
        var problems: [String] = []
        for candidate in [key, copyKey] {
            do {
                let sealed = try await location.get(candidate)
                return (try SealedBlob.open(sealed, identity: identity, keyRing: environment.keyRing), problems)
            } catch {
                problems.append("\(location.name): \(candidate): \(error)")
            }
        }
        throw BackupError(.integrity, problems.joined(separator: "; "))
    }

    /// Downloads an object to a local file and checks its size and SHA-256 against the record.
    func download(_ object: ObjectRecord, from location: any BackupLocation, to path: String) async throws {
        _ = try await location.get(object.key, toFile: path)
        let digest = try Self.sha256(ofFile: path)
        guard digest.bytes == object.cipherBytes, digest.hex == object.cipherSHA256 else {
            throw BackupError(.integrity, "\(location.name): \(object.key): stored object does not match its record "
                              + "(\(digest.bytes) bytes, sha256 \(digest.hex.prefix(12))…; expected "
                              + "\(object.cipherBytes) bytes, \(object.cipherSHA256.prefix(12))…)")
        }
    }

    /// Decrypts a downloaded object into `output` (a file or a pipe to a tool).
    func decrypt(_ object: ObjectRecord, file: String, into output: FileHandle) throws -> UInt64 {
        let dataKey = try environment.keyRing.unwrap(object.wrappedKey, identity: object.identity)
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        defer { try? input.close() }
        let summary = try SealedFile.decrypt(input: input, output: output, dataKey: dataKey, identity: object.identity)
        guard summary.plainSHA256 == object.plainSHA256 else {
            throw BackupError(.integrity, "\(object.key): decrypted content does not match its recorded SHA-256")
        }
        return UInt64(summary.plainBytes)
    }

    static func sha256(ofFile path: String) throws -> (bytes: UInt64, hex: String) {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var hasher = SHA256()
        var total: UInt64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            total += UInt64(chunk.count)
        }
        return (total, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}
