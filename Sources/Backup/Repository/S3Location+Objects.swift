import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// What a `HEAD` reports about a stored object.
public struct S3ObjectInfo: Sendable, Equatable {
    public var size: UInt64
    /// The entity tag without quotes; a multipart upload's ends with `-<number of parts>`.
    public var etag: String?
    public var modified: Date?
    /// The stored `x-amz-checksum-sha256` (base64), when the server keeps one.
    public var checksumSHA256: String?
}

extension S3Location {
    /// The object's size, entity tag and checksum, nil when there is no such object.
    public func head(_ key: String) async throws -> S3ObjectInfo? {
        try await head(key, objectKey: try object(key))
    }

    func head(_ key: String, objectKey: String) async throws -> S3ObjectInfo? {
        let request = S3Request(method: .HEAD, objectKey: objectKey, headers: [("x-amz-checksum-mode", "ENABLED")])
        let response: HTTPClientResponse
        do {
            response = try await send(request, key: key)
        } catch let error as LocationError where error.code == .notFound {
            return nil
        }
        guard let size = response.headers.first(name: "content-length").flatMap(UInt64.init) else {
            throw locationError(.protocolError, key: key, message: "HEAD answered without Content-Length")
        }
        let etag = response.headers.first(name: "etag")
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        let modified = response.headers.first(name: "last-modified").flatMap(Self.parseHTTPDate)
        return S3ObjectInfo(
            size: size, etag: etag, modified: modified,
            checksumSHA256: response.headers.first(name: "x-amz-checksum-sha256"))
    }

    /// Uploads one object in a single `PUT`, with its SHA-256 for the server to verify.
    func putObject(_ key: String, objectKey: String, payload: S3Payload) async throws {
        let request = S3Request(method: .PUT, objectKey: objectKey, payload: payload, sendsChecksum: true)
        _ = try await sendCollecting(request, key: key)
    }

    /// SHA-256 of a file range, read in chunks off the cooperative threads.
    func fileDigest(_ path: String, offset: UInt64, length: UInt64, key: String) async throws -> S3Digest {
        do {
            return try await LocalFiles.offload {
                let fd = try LocalFiles.openForReading(path)
                defer { close(fd) }
                var hasher = SHA256()
                let buffer = UnsafeMutableRawBufferPointer.allocate(
                    byteCount: LocalFiles.copyBufferSize, alignment: 4096)
                defer { buffer.deallocate() }
                var done: UInt64 = 0
                while done < length {
                    let want = Int(min(UInt64(buffer.count), length - done))
                    let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])
                    let got = try LocalFiles.readChunk(fd, into: slice, at: offset + done, path: path)
                    guard got == want else { throw SystemCallError("read", path, errno: EIO) }
                    hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
                    done += UInt64(got)
                }
                return S3Digest(hasher.finalize())
            }
        } catch {
            throw locationError(.io, key: key, message: "local file: \(error)")
        }
    }

    /// Streams an object to `consume` chunk by chunk and returns its size, after checking the size against
    /// `HEAD` and the SHA-256 against the stored checksum (when the object has a whole-object one).
    func download(_ key: String, consume: (ByteBuffer) async throws -> Void) async throws -> UInt64 {
        let objectKey = try object(key)
        guard let info = try await head(key, objectKey: objectKey) else {
            // HEAD answers 404 without a body for a missing bucket too; a GET says which is missing.
            let probe = S3Request(method: .GET, objectKey: objectKey, headers: [("Range", "bytes=0-0")])
            _ = try await sendCollecting(probe, key: key)
            throw locationError(.notFound, key: key, message: "NoSuchKey: no such object")
        }
        let request = S3Request(method: .GET, objectKey: objectKey, headers: [("x-amz-checksum-mode", "ENABLED")])
        let response = try await send(request, key: key, timeout: timeout(moving: info.size))
        var hasher = SHA256()
        var received: UInt64 = 0
        var pending = ByteBuffer()
        do {
            for try await chunk in response.body {
                hasher.update(data: chunk.readableBytesView)
                received += UInt64(chunk.readableBytes)
                var chunk = chunk
                pending.writeBuffer(&chunk)
                if pending.readableBytes >= LocalFiles.copyBufferSize {
                    try await consume(pending)
                    pending.clear()
                }
            }
        } catch let error as LocationError {
            throw error
        } catch {
            throw locationError(
                .unreachable, key: key, message: "the download broke off after \(received) bytes: \(error)")
        }
        if pending.readableBytes > 0 { try await consume(pending) }
        guard received == info.size else {
            throw locationError(.integrity, key: key, message: "received \(received) of \(info.size) bytes")
        }
        let stored = response.headers.first(name: "x-amz-checksum-sha256") ?? info.checksumSHA256
        // A multipart object's checksum is a checksum of part checksums ("…-3"), not of the bytes.
        if let stored, !stored.contains("-") {
            let actual = Data(hasher.finalize()).base64EncodedString()
            guard actual == stored else {
                throw locationError(
                    .integrity, key: key, message: "SHA-256 \(actual) differs from the stored \(stored)")
            }
        }
        return received
    }

    /// Creates the bucket (in `region`); a bucket this account already owns is fine.
    public func createBucket() async throws {
        try validateConfiguration()
        var payload = S3Payload.empty
        if region != "us-east-1" {
            let body = Data(("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<LocationConstraint>\(region.xmlEscaped)</LocationConstraint></CreateBucketConfiguration>").utf8)
            payload = .data(body, digest: S3Digest(body))
        }
        do {
            _ = try await sendCollecting(S3Request(method: .PUT, objectKey: nil, payload: payload), key: nil)
        } catch let error as LocationError where error.message.hasPrefix("BucketAlreadyOwnedByYou") {
            return
        }
    }

    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
