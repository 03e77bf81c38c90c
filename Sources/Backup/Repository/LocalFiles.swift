import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file operations the locations need, as plain system calls: Foundation's `FileManager` neither fsyncs
/// nor reports `errno`, and a backup is only safe once its bytes and its directory entry are on disk.
enum LocalFiles {
    static let copyBufferSize = 1 << 20

    /// Runs blocking file work off the cooperative thread pool, which must never wait on a disk.
    static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    /// Creates `path` and its missing parents with `mode`; existing directories are left as they are.
    static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) == 0 { continue }
            let error = errno
            guard error == EEXIST else { throw SystemCallError("mkdir", current, errno: error) }
            guard isDirectory(current) else { throw SystemCallError("mkdir", current, errno: ENOTDIR) }
        }
    }

    static func isDirectory(_ path: String, followingLinks: Bool = true) -> Bool {
        var info = stat()
        let status = followingLinks ? stat(path, &info) : lstat(path, &info)
        return status == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Size and modification time of a regular file, nil when nothing is there.
    static func regularFile(_ path: String) throws -> (size: UInt64, modified: Date)? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let error = SystemCallError("stat", path, errno: errno)
            if error.isMissing { return nil }
            throw error
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return (UInt64(info.st_size), modificationDate(info))
    }

    static func modificationDate(_ info: stat) -> Date {
        #if canImport(Darwin)
        let spec = info.st_mtimespec
        #else
        let spec = info.st_mtim
        #endif
        return Date(timeIntervalSince1970: TimeInterval(spec.tv_sec) + TimeInterval(spec.tv_nsec) / 1e9)
    }

    static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemCallError("open", path, errno: errno) }
        return fd
    }

    static func openForWriting(_ path: String, mode: mode_t = 0o600) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemCallError("open", path, errno: errno) }
        return fd
    }

    /// Writes all of `bytes`, resuming after short writes and signals.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("write", path, errno: errno)
            }
            offset += written
        }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    static func readChunk(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String)
        throws -> Int {
        var total = 0
        while total < buffer.count {
            let got = pread(fd, buffer.baseAddress! + total, buffer.count - total, off_t(offset) + off_t(total))
            if got < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("read", path, errno: errno)
            }
            if got == 0 { break }
            total += got
        }
        return total
    }

    /// fsync; devices and pipes that cannot be synced (EINVAL) have nothing to make durable.
    static func syncFile(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 || errno == EINVAL else { throw SystemCallError("fsync", path, errno: errno) }
    }

    /// Whether `path` exists and is neither a regular file nor a directory (`/dev/null`, a FIFO): a download
    /// goes straight into it, since renaming a finished file over it would replace the device.
    static func isSpecial(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        return type != S_IFREG && type != S_IFDIR
    }

    /// Makes a rename or unlink in `directory` durable: without this a crash can bring back the old entry.
    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemCallError("open", directory, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemCallError("fsync", directory, errno: errno) }
    }

    /// Copies `source` to `target` (created 0600, truncated), fsyncs it and returns the byte count.
    static func copy(_ source: String, to target: String) throws -> UInt64 {
        let input = try openForReading(source)
        defer { close(input) }
        let output = try openForWriting(target)
        var closed = false
        defer { if !closed { close(output) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: copyBufferSize, alignment: 4096)
        defer { buffer.deallocate() }
        var total: UInt64 = 0
        while true {
            let got = try readChunk(input, into: buffer, at: total, path: source)
            if got == 0 { break }
            try writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[0..<got]), path: target)
            total += UInt64(got)
        }
        try syncFile(output, path: target)
        closed = true
        guard close(output) == 0 else { throw SystemCallError("close", target, errno: errno) }
        return total
    }

    /// Writes `data` to `target` (created 0600, truncated) and fsyncs it.
    static func writeFile(_ data: Data, to target: String) throws {
        let output = try openForWriting(target)
        var closed = false
        defer { if !closed { close(output) } }
        try data.withUnsafeBytes { try writeAll(output, $0, path: target) }
        try syncFile(output, path: target)
        closed = true
        guard close(output) == 0 else { throw SystemCallError("close", target, errno: errno) }
    }

    static func readAll(_ path: String) throws -> Data {
        let input = try openForReading(path)
        defer { close(input) }
        var data = Data()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: copyBufferSize, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let got = try readChunk(input, into: buffer, at: UInt64(data.count), path: path)
            if got == 0 { break }
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
        }
        return data
    }

    static func move(_ source: String, to target: String) throws {
        guard rename(source, target) == 0 else { throw SystemCallError("rename", source, errno: errno) }
    }

    /// Removes a file; true when it existed.
    @discardableResult
    static func removeFile(_ path: String) throws -> Bool {
        guard unlink(path) == 0 else {
            let error = SystemCallError("unlink", path, errno: errno)
            if error.isMissing { return false }
            throw error
        }
        return true
    }

    /// Removes `directory` and then its parents while they are empty, never `root` itself.
    static func removeEmptyDirectories(from directory: String, upTo root: String) {
        var current = directory
        while current.count > root.count, current.hasPrefix(root + "/") {
            guard rmdir(current) == 0 else { return }
            current = parent(of: current)
        }
    }

    /// Free and total bytes of the file system holding `path` (or its nearest existing ancestor).
    static func space(at path: String) throws -> (free: UInt64, total: UInt64) {
        var current = path
        while true {
            var info = statvfs()
            if statvfs(current, &info) == 0 {
                let unit = UInt64(info.f_frsize)
                return (UInt64(info.f_bavail) * unit, UInt64(info.f_blocks) * unit)
            }
            let error = SystemCallError("statvfs", current, errno: errno)
            guard error.isMissing, current != "/", !current.isEmpty else { throw error }
            current = parent(of: current)
        }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func fileSize(_ path: String) throws -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SystemCallError("stat", path, errno: errno) }
        return UInt64(info.st_size)
    }
}
