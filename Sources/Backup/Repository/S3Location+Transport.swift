import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

extension S3Location {
    /// The endpoint as errors name it, without a trailing slash.
    var endpointName: String {
        let text = endpoint.absoluteString
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// The bucket, and the prefix if there is one, as errors name it.
    var bucketName: String { prefix.isEmpty ? bucket : "\(bucket)/\(prefix)" }

    func locationError(_ code: LocationError.Code, key: String?, message: String) -> LocationError {
        LocationError(
            code, location: name, kind: kind, key: key, host: endpointName, bucket: bucketName, message: message)
    }

    /// The full object key of `key`, after checking the key and the configuration.
    func object(_ key: String) throws -> String {
        if let problem = LocationKey.problem(with: key) {
            throw locationError(.invalidKey, key: key, message: problem)
        }
        try validateConfiguration()
        return prefix + key
    }

    func validateConfiguration() throws {
        func refuse(_ message: String) -> LocationError {
            locationError(.invalidConfiguration, key: nil, message: message)
        }
        guard let scheme = endpoint.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = endpoint.host, !host.isEmpty
        else { throw refuse("the endpoint must be an http:// or https:// URL with a host") }
        guard endpoint.query == nil else { throw refuse("the endpoint must not have a query") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard (3...63).contains(bucket.count), bucket.allSatisfy(allowed.contains), let first = bucket.first,
            first.isLetter || first.isNumber
        else { throw refuse("'\(bucket)' is not a valid bucket name (3–63 of a-z 0-9 . -)") }
        if let problem = LocationKey.problem(withPrefix: prefix) { throw refuse("prefix: \(problem)") }
        guard !region.isEmpty, !region.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw refuse("'\(region)' is not a region name")
        }
    }

    /// The signer for this operation, with the keys read from their files now (they may have been rotated).
    func signer() throws -> SigV4Signer {
        let accessKey = try readKey(accessKeyFile, what: "access key", secret: false)
        let secretKey = try readKey(secretKeyFile, what: "secret key", secret: true)
        return SigV4Signer(accessKey: accessKey, secretKey: secretKey, region: region, service: "s3")
    }

    private func readKey(_ path: String, what: String, secret: Bool) throws -> String {
        func refuse(_ message: String) -> LocationError {
            locationError(.invalidConfiguration, key: nil, message: message)
        }
        if secret {
            var info = stat()
            guard stat(path, &info) == 0 else { throw refuse("the \(what) file \(path) cannot be read") }
            if info.st_mode & 0o077 != 0 {
                throw refuse("the \(what) file \(path) is accessible to group or others; chmod 600 \(path)")
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw refuse("the \(what) file \(path) cannot be read")
        }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty, !value.contains(where: { $0.isWhitespace }) else {
            throw refuse("the \(what) file \(path) does not hold one key")
        }
        return value
    }

    /// `Host` as sent and signed: the endpoint's host, with the port when it is not the scheme's default.
    var hostHeader: String {
        let host = endpoint.host ?? ""
        let bracketed = host.contains(":") ? "[\(host)]" : host
        guard let port = endpoint.port else { return bracketed }
        let standard = endpoint.scheme?.lowercased() == "https" ? 443 : 80
        return port == standard ? bracketed : "\(bracketed):\(port)"
    }

    /// The encoded request path: the endpoint's own path, the bucket, the object key.
    func requestPath(_ objectKey: String?) -> String {
        var base = endpoint.path
        while base.hasSuffix("/") { base.removeLast() }
        let raw = base + "/" + bucket + (objectKey.map { "/" + $0 } ?? "")
        return SigV4Signer.canonicalPath(raw)
    }

    /// The deadline for a request that moves `bytes` of object data.
    func timeout(moving bytes: UInt64) -> TimeInterval {
        requestTimeout + TimeInterval(bytes) / TimeInterval(max(1, minimumTransferRate))
    }

    /// Sends `request` and returns the first 2xx response, its body not yet read. Server errors (5xx,
    /// `SlowDown`) and failed connections are retried as `retry` allows; other answers become errors.
    func send(_ request: S3Request, key: String?, timeout: TimeInterval? = nil) async throws -> HTTPClientResponse {
        try validateConfiguration()
        let signer = try signer()
        var attempt = 1
        while true {
            var failure: LocationError
            do {
                let response = try await execute(request, signer: signer, timeout: timeout)
                if (200..<300).contains(response.status.code) { return response }
                let body = request.method == .HEAD ? ByteBuffer() : try await response.body.collect(upTo: 1 << 20)
                failure = answerFailure(response.status, body: Data(buffer: body), key: key)
                guard Self.isRetryable(response.status, failure), attempt < retry.attempts else { throw failure }
            } catch let error as LocationError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failure = locationError(
                    .unreachable, key: key, message: "\(request.method.rawValue) failed after \(attempt) "
                        + "attempt\(attempt == 1 ? "" : "s"): \(error)")
                guard attempt < retry.attempts else { throw failure }
            }
            let delay = retry.delay(after: attempt)
            logger.warning(
                "S3 request failed; retrying",
                metadata: [
                    "location": "\(name)", "endpoint": "\(endpointName)", "bucket": "\(bucket)",
                    "key": "\(key ?? "")", "attempt": "\(attempt)", "error": "\(failure.message)",
                ])
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            attempt += 1
        }
    }

    /// Sends `request` and returns its whole (small) response body.
    func sendCollecting(_ request: S3Request, key: String?) async throws -> Data {
        let response = try await send(request, key: key)
        do {
            return Data(buffer: try await response.body.collect(upTo: 64 << 20))
        } catch {
            throw locationError(.unreachable, key: key, message: "reading the answer failed: \(error)")
        }
    }

    private func execute(_ request: S3Request, signer: SigV4Signer, timeout: TimeInterval?) async throws
        -> HTTPClientResponse {
        let path = requestPath(request.objectKey)
        let digest = request.payload.digest
        var headers = [("Host", hostHeader), ("x-amz-content-sha256", digest.hex)] + request.headers
        if request.sendsChecksum {
            // The algorithm header is what SDKs send with the checksum; some servers only keep one with it.
            headers.append(("x-amz-sdk-checksum-algorithm", "SHA256"))
            headers.append(("x-amz-checksum-sha256", digest.base64))
        }
        let signed = signer.sign(
            method: request.method.rawValue, path: path, query: request.query, headers: headers,
            payloadHash: digest.hex, date: Date())
        let query = SigV4Signer.canonicalQuery(request.query)
        var outgoing = HTTPClientRequest(url: endpointOrigin + path + (query.isEmpty ? "" : "?" + query))
        outgoing.method = request.method
        for header in signed.headers { outgoing.headers.add(name: header.name, value: header.value) }
        switch request.payload {
        case .empty:
            if request.method == .PUT || request.method == .POST { outgoing.body = .bytes(ByteBuffer()) }
        case .data(let data, _):
            outgoing.body = .bytes(ByteBuffer(bytes: data))
        case .file(let file, let offset, let length, _):
            let chunks = FileChunks(path: file, offset: offset, length: length)
            outgoing.body = .stream(chunks, length: .known(Int64(length)))
        }
        let seconds = timeout ?? self.timeout(moving: request.payload.length)
        return try await httpClient.execute(outgoing, timeout: .milliseconds(Int64(seconds * 1000)), logger: logger)
    }

    /// `scheme://host[:port]`, without the endpoint's path (which `requestPath` includes).
    private var endpointOrigin: String {
        "\(endpoint.scheme?.lowercased() ?? "https")://\(hostHeader)"
    }

    static func isRetryable(_ status: HTTPResponseStatus, _ error: LocationError) -> Bool {
        status.code >= 500 || error.message.hasPrefix("SlowDown") || error.message.hasPrefix("RequestTimeout")
            || error.message.hasPrefix("InternalError")
    }

    /// Maps an error answer: S3's `<Error><Code>…</Code><Message>…</Message></Error>`, or the status alone
    /// (HEAD answers have no body).
    func answerFailure(_ status: HTTPResponseStatus, body: Data, key: String?) -> LocationError {
        let tree = XMLTree.parse(body)
        let code = tree?["Code"] ?? ""
        let message = tree?["Message"] ?? status.reasonPhrase
        let text = code.isEmpty ? "HTTP \(status.code) \(message)" : "\(code): \(message)"
        let mapped: LocationError.Code
        switch code {
        case "NoSuchKey", "NoSuchUpload":
            mapped = .notFound
        case "NoSuchBucket":
            return locationError(.invalidConfiguration, key: key, message: "the bucket '\(bucket)' does not exist "
                + "at \(endpointName) (\(text))")
        case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled", "AccountProblem",
            "InvalidSecurity", "ExpiredToken", "RequestTimeTooSkewed":
            mapped = .denied
        case "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "InvalidChecksum", "IncompleteBody":
            mapped = .integrity
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "InvalidBucketName", "InvalidRegion":
            mapped = .invalidConfiguration
        case "QuotaExceeded", "EntityTooLarge":
            mapped = .noSpace
        case "":
            switch status.code {
            case 404: mapped = .notFound
            case 401, 403: mapped = .denied
            case 500...: mapped = .unreachable
            default: mapped = .protocolError
            }
        default:
            mapped = status.code >= 500 ? .unreachable : .protocolError
        }
        return locationError(mapped, key: key, message: text)
    }

    static func parseDate(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}
