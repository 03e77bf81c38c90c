import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes small secret files so that a reader sees either the old content or the new, never a torn file, and
/// the content is never, even briefly, readable by group or others.
enum KeyFileWriter {
    enum Mode {
        /// Fail with `keyFileExists` when the target exists (link(2) refuses atomically, unlike rename(2)).
        case createNew
        /// Replace an existing target.
        case replace
    }

    static func write(_ data: Data, to path: String, permissions: mode_t = 0o600, mode: Mode) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-" + suffix

        func failure(_ what: String, _ err: Int32 = errno) -> BackupCryptoError {
            BackupCryptoError(.keyFileIO, "key file \(path): \(what): \(String(cString: strerror(err)))", path: path)
        }

        if mode == .createNew, access(path, F_OK) == 0 {
            throw BackupCryptoError(.keyFileExists, "key file \(path) already exists; refusing to overwrite it",
                                    path: path)
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var linked = false
        defer { if !linked { unlink(temporary) } }
        do {
            defer { close(fd) }
            // The umask may have cleared bits of `permissions`; set them exactly.
            guard fchmod(fd, permissions) == 0 else { throw failure("cannot set mode") }
            if let err = data.withUnsafeBytes({ SealedFileIO.writeAll(fd, $0) }) {
                throw failure("cannot write \(temporary)", err)
            }
            guard fsync(fd) == 0 else { throw failure("cannot fsync \(temporary)") }
        }
        switch mode {
        case .createNew:
            guard link(temporary, path) == 0 else {
                if errno == EEXIST {
                    throw BackupCryptoError(
                        .keyFileExists, "key file \(path) already exists; refusing to overwrite it", path: path)
                }
                throw failure("cannot create")
            }
            unlink(temporary)
        case .replace:
            guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) into place") }
        }
        linked = true
        // Make the new directory entry durable too.
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
