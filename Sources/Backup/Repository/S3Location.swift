import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat

/// A backup location in an S3 bucket (AWS or any S3-compatible store), spoken to directly over HTTP with
/// Signature Version 4 and path-style URLs (`endpoint/bucket/key`).
///
/// Uploads up to `multipartThreshold` are one `PUT`; larger files go up as a multipart upload whose parts are
/// streamed from the file (never loaded whole) and which is aborted if any step fails. Every upload carries
/// `x-amz-checksum-sha256`, so the server refuses bytes that changed on the way, and downloads are checked
/// against the stored checksum when the server returns one. The access key and the secret key are read from
/// their files for each operation; neither appears in errors, logs or process listings.
public struct S3Location: BackupLocation, LocationErrorContext {
    public let name: String
    /// The service's base URL, `https://s3.eu-central-1.amazonaws.com` or `http://127.0.0.1:9000`.
    public let endpoint: URL
    public let bucket: String
    public let region: String
    public let accessKeyFile: String
    /// A file readable by its owner only (mode 0600 or stricter) holding the secret key.
    public let secretKeyFile: String
    /// Prepended to every key (`storefront/`); empty or ending with `/`.
    public let prefix: String
    /// The client for all requests. Give it ``httpClientConfiguration(connectTimeout:)``: with AsyncHTTPClient's
    /// defaults a refused connection is retried silently until the request's deadline.
    public let httpClient: HTTPClient
    /// Files larger than this are uploaded in parts.
    public var multipartThreshold: UInt64 = 64 << 20
    /// The size of each part (S3 requires at least 5 MiB for all but the last; raised for files that would
    /// need more than 10,000 parts).
    public var partSize: UInt64 = 16 << 20
    public var retry: RetryPolicy = .standard
    /// The longest a request that moves no object data may take.
    public var requestTimeout: TimeInterval = 60
    /// Transfers may additionally take their size divided by this rate (bytes per second).
    public var minimumTransferRate: UInt64 = 1 << 20
    /// Keys per listing page (`max-keys`); nil for the server's default (1,000 on AWS).
    public var listPageSize: Int?
    public var logger = Logger(label: "storefront.backup.s3")

    public var kind: String { "s3" }

    public init(
        name: String, endpoint: URL, bucket: String, region: String, accessKeyFile: String,
        secretKeyFile: String, prefix: String = "", httpClient: HTTPClient
    ) {
        self.name = name
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.accessKeyFile = accessKeyFile
        self.secretKeyFile = secretKeyFile
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.httpClient = httpClient
    }

    public func put(_ key: String, fromFile source: String) async throws -> UInt64 {
        let objectKey = try object(key)
        let size: UInt64
        do {
            size = try await LocalFiles.offload { try LocalFiles.fileSize(source) }
        } catch {
            throw locationError(.io, key: key, message: "local file: \(error)")
        }
        if size > multipartThreshold {
            return try await putMultipart(key, objectKey: objectKey, source: source, size: size)
        }
        let digest = try await fileDigest(source, offset: 0, length: size, key: key)
        let payload = S3Payload.file(path: source, offset: 0, length: size, digest: digest)
        try await putObject(key, objectKey: objectKey, payload: payload)
        return size
    }

    public func put(_ key: String, data: Data) async throws {
        let objectKey = try object(key)
        try await putObject(key, objectKey: objectKey, payload: .data(data, digest: S3Digest(data)))
    }

    public func get(_ key: String, toFile destination: String) async throws -> UInt64 {
        let special = LocalFiles.isSpecial(destination)
        let partial = special ? destination : destination + LocationKey.partialSuffix
        let output: Int32
        do {
            output = try await LocalFiles.offload { try LocalFiles.openForWriting(partial) }
        } catch {
            throw locationError(.io, key: key, message: "local file: \(error)")
        }
        var closed = false
        defer { if !closed { close(output) } }
        do {
            let size = try await download(key) { chunk in
                try await LocalFiles.offload {
                    try chunk.withUnsafeReadableBytes { try LocalFiles.writeAll(output, $0, path: partial) }
                }
            }
            try await LocalFiles.offload { try LocalFiles.syncFile(output, path: partial) }
            closed = true
            guard close(output) == 0 else { throw SystemCallError("close", partial, errno: errno) }
            if !special { try await LocalFiles.offload { try LocalFiles.move(partial, to: destination) } }
            return size
        } catch {
            if !special { _ = try? LocalFiles.removeFile(partial) }
            if error is LocationError { throw error }
            throw locationError(.io, key: key, message: "local file: \(error)")
        }
    }

    public func get(_ key: String) async throws -> Data {
        let collected = DataCollector()
        _ = try await download(key) { chunk in collected.append(chunk) }
        return collected.data
    }

    public func list(prefix listPrefix: String) async throws -> [LocationObject] {
        if let problem = LocationKey.problem(withPrefix: listPrefix) {
            throw locationError(.invalidKey, key: listPrefix, message: problem)
        }
        try validateConfiguration()
        var objects: [LocationObject] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix + listPrefix)]
            if let token { query.append(("continuation-token", token)) }
            if let listPageSize { query.append(("max-keys", String(listPageSize))) }
            let request = S3Request(method: .GET, objectKey: nil, query: query)
            let body = try await sendCollecting(request, key: nil)
            guard let tree = XMLTree.parse(body), tree.name == "ListBucketResult" else {
                throw locationError(.protocolError, key: nil, message: "the listing is not a ListBucketResult")
            }
            for entry in tree.children("Contents") {
                // Keys ending in "/" are directory markers other tools create, not objects.
                guard let fullKey = entry["Key"], fullKey.hasPrefix(prefix), !fullKey.hasSuffix("/"),
                    let size = entry["Size"].flatMap(UInt64.init)
                else { continue }
                let key = String(fullKey.dropFirst(prefix.count))
                let modified = entry["LastModified"].flatMap(Self.parseDate)
                objects.append(LocationObject(key: key, size: size, modified: modified))
            }
            token = tree["IsTruncated"] == "true" ? tree["NextContinuationToken"] : nil
        } while token != nil
        return objects.sorted { $0.key < $1.key }
    }

    public func delete(_ key: String) async throws {
        let objectKey = try object(key)
        do {
            _ = try await sendCollecting(S3Request(method: .DELETE, objectKey: objectKey), key: key)
        } catch let error as LocationError where error.code == .notFound && error.message.contains("NoSuchKey") {
            return
        }
    }

    public func exists(_ key: String) async throws -> Bool {
        let objectKey = try object(key)
        return try await head(key, objectKey: objectKey) != nil
    }

    public func check() async throws {
        try await LocationProbe.run(on: self)
    }

    public func freeSpace() async throws -> (free: UInt64, total: UInt64)? {
        nil
    }
}

extension S3Location {
    /// A client configuration that suits locations: connections fail fast (10 s to connect, no silent
    /// reconnect loop, since the location retries on its own and a backup must learn soon that a store is
    /// down), a connection that stops delivering data is dropped after 60 s, and redirects are not followed
    /// (from S3 they mean a wrong region or endpoint, which the error should say).
    public static func httpClientConfiguration(connectTimeout: TimeInterval = 10) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(
            connect: .milliseconds(Int64(connectTimeout * 1000)), read: .seconds(60))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        return configuration
    }
}

/// Gathers a small download in memory; the chunks arrive one after another, never concurrently.
private final class DataCollector: @unchecked Sendable {
    private(set) var data = Data()
    func append(_ buffer: ByteBuffer) { data.append(contentsOf: buffer.readableBytesView) }
}
