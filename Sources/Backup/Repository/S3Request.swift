import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// The SHA-256 of a request body in both forms S3 wants: hex for `x-amz-content-sha256` (signed) and
/// base64 for `x-amz-checksum-sha256` (verified by the server against what arrives).
struct S3Digest: Sendable, Equatable {
    var hex: String
    var base64: String

    init(_ digest: SHA256.Digest) {
        hex = SigV4Signer.hex(digest)
        base64 = Data(digest).base64EncodedString()
    }

    init(_ data: Data) { self.init(SHA256.hash(data: data)) }

    static let empty = S3Digest(Data())
}

/// What a request sends: nothing, bytes in memory, or a range of a file streamed from disk.
enum S3Payload: Sendable {
    case empty
    case data(Data, digest: S3Digest)
    case file(path: String, offset: UInt64, length: UInt64, digest: S3Digest)

    var digest: S3Digest {
        switch self {
        case .empty: .empty
        case .data(_, let digest), .file(_, _, _, let digest): digest
        }
    }

    var length: UInt64 {
        switch self {
        case .empty: 0
        case .data(let data, _): UInt64(data.count)
        case .file(_, _, let length, _): length
        }
    }
}

/// One S3 call before signing: the method, the object (nil for the bucket itself), decoded query parameters
/// and extra headers.
struct S3Request: Sendable {
    var method: HTTPMethod
    var objectKey: String?
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    var payload: S3Payload = .empty
    /// Send `x-amz-checksum-sha256` with the payload (object and part uploads).
    var sendsChecksum = false
}
