import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback ports for test servers.
public enum FreePort {
    /// A port on 127.0.0.1 that was free a moment ago: the kernel's choice for a socket bound to port 0.
    public static func next() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, addressLength) }
        }
        guard bound == 0 else { throw TestServerError("bind(127.0.0.1:0) failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestServerError("getsockname() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts connections on 127.0.0.1:`port`; with `banner`, whether it also greets with
    /// a line starting with it (sshd's `SSH-2.0-…`) within `patience` seconds. A loaded machine can take
    /// seconds to start the process that greets, so a caller that knows the server listens waits long once
    /// rather than probing often: every abandoned connection costs the server a process of its own.
    public static func accepts(_ port: Int, banner: String? = nil, patience: Int = 1) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: patience, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, addressLength) }
        }
        guard connected == 0 else { return false }
        guard let banner else { return true }
        var bytes = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &bytes, bytes.count, 0)
        return count > 0 && String(decoding: bytes[0..<count], as: UTF8.self).hasPrefix(banner)
    }

    private static let addressLength = socklen_t(MemoryLayout<sockaddr_in>.size)

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// A test server could not be set up; the message says what to install or what went wrong.
public struct TestServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
