import Foundation
import NIOHTTP1

extension S3Location {
    /// The part size for a file of `size` bytes: the configured one, at least S3's 5 MiB minimum, and large
    /// enough that no more than 10,000 parts are needed.
    func partSize(for size: UInt64) -> UInt64 {
        let minimum: UInt64 = 5 << 20
        let forPartLimit = (size + 9_999) / 10_000
        return max(minimum, partSize, forPartLimit)
    }

    /// Uploads a large file as a multipart upload: initiate, one `PUT` per part (each streamed from its range
    /// of the file and carrying its own SHA-256), complete. Any failure aborts the upload, so no invisible
    /// parts are left to be billed.
    func putMultipart(_ key: String, objectKey: String, source: String, size: UInt64) async throws -> UInt64 {
        let initiate = S3Request(
            method: .POST, objectKey: objectKey, query: [("uploads", "")],
            headers: [("x-amz-checksum-algorithm", "SHA256")])
        let answer = try await sendCollecting(initiate, key: key)
        guard let uploadID = XMLTree.parse(answer)?["UploadId"], !uploadID.isEmpty else {
            throw locationError(
                .protocolError, key: key, message: "the multipart upload was started without an UploadId")
        }
        do {
            let parts = try await uploadParts(key, objectKey: objectKey, uploadID: uploadID, source: source, size: size)
            try await complete(key, objectKey: objectKey, uploadID: uploadID, parts: parts)
        } catch {
            await abort(key, objectKey: objectKey, uploadID: uploadID)
            throw error
        }
        guard let stored = try await head(key, objectKey: objectKey) else {
            throw locationError(.protocolError, key: key, message: "the completed multipart upload is not there")
        }
        guard stored.size == size else {
            throw locationError(.integrity, key: key, message: "stored \(stored.size) bytes of \(size)")
        }
        return size
    }

    struct UploadedPart: Sendable {
        var number: Int
        var etag: String
        var checksum: String
    }

    private func uploadParts(_ key: String, objectKey: String, uploadID: String, source: String, size: UInt64)
        async throws -> [UploadedPart] {
        let length = partSize(for: size)
        var parts: [UploadedPart] = []
        var offset: UInt64 = 0
        while offset < size {
            let number = parts.count + 1
            let count = min(length, size - offset)
            let digest = try await fileDigest(source, offset: offset, length: count, key: key)
            let request = S3Request(
                method: .PUT, objectKey: objectKey,
                query: [("partNumber", String(number)), ("uploadId", uploadID)],
                payload: .file(path: source, offset: offset, length: count, digest: digest), sendsChecksum: true)
            let response = try await send(request, key: key)
            _ = try? await response.body.collect(upTo: 1 << 20)
            guard let etag = response.headers.first(name: "etag") else {
                throw locationError(.protocolError, key: key, message: "part \(number) was stored without an ETag")
            }
            parts.append(UploadedPart(number: number, etag: etag, checksum: digest.base64))
            offset += count
        }
        return parts
    }

    private func complete(_ key: String, objectKey: String, uploadID: String, parts: [UploadedPart]) async throws {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(part.etag.xmlEscaped)</ETag>"
                + "<ChecksumSHA256>\(part.checksum)</ChecksumSHA256></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let body = Data(xml.utf8)
        let request = S3Request(
            method: .POST, objectKey: objectKey, query: [("uploadId", uploadID)],
            payload: .data(body, digest: S3Digest(body)))
        let answer = try await sendCollecting(request, key: key)
        // S3 may answer 200 and still report a failure in the body.
        if let tree = XMLTree.parse(answer), tree.name == "Error" {
            throw answerFailure(.ok, body: answer, key: key)
        }
    }

    private func abort(_ key: String, objectKey: String, uploadID: String) async {
        let request = S3Request(method: .DELETE, objectKey: objectKey, query: [("uploadId", uploadID)])
        do {
            _ = try await sendCollecting(request, key: key)
        } catch {
            logger.warning(
                "aborting a failed multipart upload failed; its parts stay until a lifecycle rule removes them",
                metadata: ["location": "\(name)", "bucket": "\(bucket)", "key": "\(key)", "error": "\(error)"])
        }
    }
}
