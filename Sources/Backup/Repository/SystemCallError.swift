#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: which one, on which path, and `errno`.
struct SystemCallError: Error, Sendable, CustomStringConvertible {
    var call: String
    var path: String
    var errno: Int32

    init(_ call: String, _ path: String, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    var description: String { "\(call) \(path): \(String(cString: strerror(errno)))" }

    var isMissing: Bool { errno == ENOENT || errno == ENOTDIR }
    var isDenied: Bool { errno == EACCES || errno == EPERM || errno == EROFS }
    var isNoSpace: Bool { errno == ENOSPC || errno == EDQUOT }
}
