import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension KeyRing {
    /// Loads the key file at `path`.
    ///
    /// Refuses, with a one-line error naming the file: a missing file, a non-regular file, a file readable or
    /// writable by group or others (the error gives the mode and the `chmod 600` fix), malformed JSON (with
    /// the line and column or the field), a key that is not 32 bytes (with its id), and duplicate ids.
    public static func load(path: String) throws -> KeyRing {
        // The checks run on the opened descriptor so that they describe the file actually read.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else {
            let err = errno
            if err == ENOENT {
                throw BackupCryptoError(.keyFileMissing, "key file \(path) does not exist", path: path)
            }
            throw BackupCryptoError(
                .keyFileIO, "key file \(path) cannot be opened: \(SealedFileIO.message(err))", path: path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw BackupCryptoError(
                .keyFileIO, "key file \(path) cannot be inspected: \(SealedFileIO.message(errno))", path: path)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw BackupCryptoError(.keyFileNotRegular, "key file \(path) is not a regular file", path: path)
        }
        let permissions = info.st_mode & 0o7777
        guard permissions & 0o077 == 0 else {
            let octal = String(permissions, radix: 8)
            throw BackupCryptoError(
                .keyFilePermissions,
                "key file \(path) has mode 0\(octal), readable or writable by group or others; "
                    + "it must be 0600 or 0400 (fix: chmod 600 \(path))",
                path: path)
        }
        let data = try readAll(fd, path: path, limit: Int(info.st_size) + 1)
        return try KeyRing(keys: KeyFileFormat.parse(data, path: path), path: path)
    }

    /// Creates a key file at `path` with one fresh key and mode 0600, atomically (temporary file, then a
    /// link into place). Refuses when the file already exists.
    @discardableResult
    public static func create(path: String, now: Date = Date()) throws -> KeyRing {
        let key = KeyEncryptionKey.generate(id: newKeyID(index: 1, now: now), created: wholeSeconds(now))
        let ring = try KeyRing(keys: [key], path: path)
        try KeyFileWriter.write(KeyFileFormat.render(ring.keys), to: path, mode: .createNew)
        return ring
    }

    /// Writes every key of the ring (old ones included, so old backups stay readable) to `path`, replacing
    /// the file atomically with mode 0600. The ring's `path` becomes `path`.
    public mutating func save(to path: String) throws {
        try KeyFileWriter.write(KeyFileFormat.render(keys), to: path, mode: .replace)
        self.path = path
    }

    private static func readAll(_ fd: Int32, path: String, limit: Int) throws -> Data {
        // A key file is a few hundred bytes per key; a huge one is a mistake, not something to slurp.
        let maximum = 1 << 20
        guard limit <= maximum + 1 else {
            throw BackupCryptoError(.keyFileMalformed, "key file \(path) is larger than 1 MiB", path: path)
        }
        var buffer = [UInt8](repeating: 0, count: max(limit, 4096))
        var data = Data()
        while true {
            let result = buffer.withUnsafeMutableBytes { SealedFileIO.readFull(fd, into: $0) }
            switch result {
            case .failure(let error):
                throw BackupCryptoError(.keyFileIO, "key file \(path) cannot be read: \(error.text)", path: path)
            case .success(let count):
                data.append(contentsOf: buffer[0..<count])
                if count < buffer.count { return data }
                guard data.count <= maximum else {
                    throw BackupCryptoError(.keyFileMalformed, "key file \(path) is larger than 1 MiB", path: path)
                }
            }
        }
    }
}
