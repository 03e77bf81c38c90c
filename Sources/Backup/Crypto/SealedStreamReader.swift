@preconcurrency import Crypto
import Foundation

/// Opens an object sealed by `SealedStreamWriter` (the format is documented there), verifying the header and
/// every chunk.
///
/// Plaintext is returned chunk by chunk as it is authenticated, with one chunk held back because only the end
/// of the input tells which chunk is the last. The plaintext of an object is only complete and authentic once
/// `finish()` returns without error: a truncated object yields the plaintext of its intact chunks before
/// `finish()` reports it, so a consumer must discard its output when any call throws.
///
/// Errors name the identity and the chunk index or byte offset: bad magic or version, a header MAC mismatch
/// (wrong data key, wrong identity, tampered header), a chunk failing authentication (tampered, swapped,
/// reordered, duplicated), data after the final chunk, and the end of input before the final chunk. After an
/// error every later call throws the same error.
///
/// Data appended after a full-size final chunk is reported as `trailingData`. After a short final chunk the
/// format cannot tell where that chunk ends, so appended bytes make it fail as `chunkAuthenticationFailed`.
public struct SealedStreamReader: Sendable {
    /// The name the object must be bound to.
    public let identity: String
    /// Ciphertext bytes received so far, header included.
    public private(set) var cipherBytes: Int64 = 0
    /// Authenticated plaintext bytes returned so far.
    public private(set) var plainBytes: Int64 = 0
    /// The chunk size from the header, once it has been read and verified.
    public private(set) var chunkSize: Int?
    /// Whether `finish()` has returned successfully.
    public private(set) var isFinished = false

    private let identityBytes: [UInt8]
    private let dataKey: SymmetricKey
    private var payloadKey: SymmetricKey?
    private var pending: [UInt8] = []
    private var counter: UInt64 = 0
    private var cipherHash = SHA256()
    private var failure: BackupCryptoError?
    private let hashesCiphertext: Bool

    public init(dataKey: SymmetricKey, identity: String) {
        self.init(dataKey: dataKey, identity: identity, hashingCiphertext: true)
    }

    /// `hashingCiphertext: false` leaves `cipherSHA256` empty, for callers that hash the input elsewhere.
    init(dataKey: SymmetricKey, identity: String, hashingCiphertext: Bool) {
        self.dataKey = dataKey
        self.identity = identity
        identityBytes = Array(identity.utf8)
        hashesCiphertext = hashingCiphertext
    }

    /// Lower-case hex SHA-256 of the ciphertext received so far; after `finish()`, of the whole object.
    public var cipherSHA256: String {
        hashesCiphertext ? cipherHash.finalize().sealedHex : ""
    }

    /// Adds ciphertext; returns the plaintext that became available and authentic, possibly empty.
    public mutating func append(_ ciphertext: some ContiguousBytes) throws -> Data {
        try ciphertext.withUnsafeBytes { raw in
            var output = Data()
            output.reserveCapacity(pending.count + raw.count)
            try append(raw, into: &output)
            return output
        }
    }

    /// Ends the input: verifies the final chunk and returns its plaintext.
    public mutating func finish() throws -> Data {
        var output = Data()
        try finish(into: &output)
        return output
    }

    /// `append(_:)` writing into a caller-owned buffer, so a streaming loop can reuse one allocation.
    mutating func append(_ raw: UnsafeRawBufferPointer, into output: inout Data) throws {
        if let failure { throw failure }
        precondition(!isFinished, "append after finish")
        if hashesCiphertext { cipherHash.update(bufferPointer: raw) }
        cipherBytes += Int64(raw.count)
        do {
            try consume(raw, into: &output)
        } catch let error as BackupCryptoError {
            failure = error
            throw error
        }
    }

    /// `finish()` writing into a caller-owned buffer.
    mutating func finish(into output: inout Data) throws {
        if let failure { throw failure }
        precondition(!isFinished, "finish called twice")
        do {
            try openFinal(into: &output)
            isFinished = true
        } catch let error as BackupCryptoError {
            failure = error
            throw error
        }
    }

    private var window: Int { (chunkSize ?? 0) + SealedStreamFormat.tagSize }

    private mutating func consume(_ raw: UnsafeRawBufferPointer, into output: inout Data) throws {
        var offset = 0
        if payloadKey == nil {
            let take = min(SealedStreamFormat.headerSize - pending.count, raw.count)
            pending.append(contentsOf: raw[0..<take])
            offset = take
            try checkHeaderPrefix()
            guard pending.count == SealedStreamFormat.headerSize else { return }
            try verifyHeader()
            pending.removeAll(keepingCapacity: true)
            pending.reserveCapacity(window)
        }
        let window = window
        if !pending.isEmpty {
            let take = min(window - pending.count, raw.count - offset)
            pending.append(contentsOf: raw[offset..<offset + take])
            offset += take
            // Without a byte after it, a full window may still be the final chunk.
            guard offset < raw.count else { return }
            try openPending(into: &output)
        }
        while raw.count - offset > window {
            try openChunk(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + window]), into: &output)
            offset += window
        }
        pending.append(contentsOf: raw[offset...])
    }

    private func checkHeaderPrefix() throws {
        let magic = SealedStreamFormat.magic
        let seen = min(pending.count, magic.count)
        guard pending[0..<seen].elementsEqual(magic[0..<seen]) else {
            throw error(.badMagic, "\(identity) is not a sealed backup object (no DBCTLBK1 magic at byte 0)",
                        offset: 0)
        }
        if pending.count > 8, pending[8] != SealedStreamFormat.version {
            throw error(.unsupportedVersion,
                        "\(identity) has format version \(pending[8]) at byte offset 8; this reads version 1",
                        offset: 8)
        }
        if pending.count > 9, pending[9] != SealedStreamFormat.algorithmAES256GCM {
            throw error(.unsupportedVersion,
                        "\(identity) has algorithm \(pending[9]) at byte offset 9; this reads 1 (AES-256-GCM)",
                        offset: 9)
        }
    }

    private mutating func verifyHeader() throws {
        let prefixSize = SealedStreamFormat.prefixSize
        let saltSize = SealedStreamFormat.saltSize
        let macStart = prefixSize + saltSize
        let salt = pending[prefixSize..<macStart]
        let keys = SealedStreamFormat.deriveKeys(dataKey: dataKey, salt: salt)
        let authentic = HMAC<SHA256>.isValidAuthenticationCode(
            pending[macStart...],
            authenticating: SealedStreamFormat.macInput(headerWithoutMAC: pending[0..<macStart], identity: identity),
            using: keys.header)
        guard authentic else {
            throw error(.headerAuthenticationFailed,
                        "\(identity): header MAC mismatch at byte offset \(macStart) "
                            + "(wrong data key, an object of another identity, or a tampered header)",
                        offset: Int64(macStart))
        }
        let size = pending[10..<14].reduce(0) { ($0 << 8) | Int($1) }
        let maximum = SealedStreamFormat.maximumChunkSize
        guard size > 0 && size <= maximum else {
            throw error(.badChunkSize,
                        "\(identity): chunk size \(size) at byte offset 10 is outside 1...\(maximum)", offset: 10)
        }
        chunkSize = size
        payloadKey = keys.payload
    }

    private mutating func openPending(into output: inout Data) throws {
        var chunk: [UInt8] = []
        // Moved out so that opening (which mutates self) does not overlap a read of `pending`.
        swap(&chunk, &pending)
        defer {
            chunk.removeAll(keepingCapacity: true)
            swap(&chunk, &pending)
        }
        try chunk.withUnsafeBytes { try openChunk($0, into: &output) }
    }

    /// Opens the chunk at the current counter as a non-final one; on failure, checks whether it is a final
    /// chunk followed by more data.
    private mutating func openChunk(_ bytes: UnsafeRawBufferPointer, into output: inout Data) throws {
        let offset = chunkOffset
        if let plaintext = decrypt(bytes, final: false) {
            output.append(plaintext)
            plainBytes += Int64(plaintext.count)
            counter += 1
            return
        }
        if bytes.count == window, decrypt(bytes, final: true) != nil {
            let end = offset + Int64(bytes.count)
            throw error(.trailingData,
                        "\(identity): data after the final chunk \(counter), from byte offset \(end)",
                        chunk: counter, offset: end)
        }
        throw error(.chunkAuthenticationFailed,
                    "\(identity): chunk \(counter) at byte offset \(offset) failed authentication "
                        + "(tampered, swapped, reordered or cut short)",
                    chunk: counter, offset: offset)
    }

    private mutating func openFinal(into output: inout Data) throws {
        guard payloadKey != nil else {
            throw error(.truncated,
                        "\(identity): input ended after \(pending.count) bytes, inside the "
                            + "\(SealedStreamFormat.headerSize)-byte header",
                        offset: Int64(pending.count))
        }
        let offset = chunkOffset
        guard pending.count >= SealedStreamFormat.tagSize else {
            let what = pending.isEmpty
                ? "no chunk \(counter), so no final chunk" : "only \(pending.count) bytes of chunk \(counter)"
            throw error(.truncated, "\(identity): input ended at byte offset \(cipherBytes) with \(what)",
                        chunk: counter, offset: offset)
        }
        if let plaintext = pending.withUnsafeBytes({ decrypt($0, final: true) }) {
            output.append(plaintext)
            plainBytes += Int64(plaintext.count)
            counter += 1
            pending = []
            return
        }
        if pending.count == window, pending.withUnsafeBytes({ decrypt($0, final: false) }) != nil {
            throw error(.truncated,
                        "\(identity): input ended at byte offset \(cipherBytes) after chunk \(counter), "
                            + "which is not the final chunk: chunk \(counter + 1) onwards is missing",
                        chunk: counter + 1, offset: cipherBytes)
        }
        throw error(.chunkAuthenticationFailed,
                    "\(identity): final chunk \(counter) at byte offset \(offset) failed authentication "
                        + "(tampered, cut short, or followed by extra bytes)",
                    chunk: counter, offset: offset)
    }

    private var chunkOffset: Int64 {
        Int64(SealedStreamFormat.headerSize) + Int64(counter) * Int64(window)
    }

    private func decrypt(_ bytes: UnsafeRawBufferPointer, final: Bool) -> Data? {
        guard let payloadKey, bytes.count >= SealedStreamFormat.tagSize else { return nil }
        let split = bytes.count - SealedStreamFormat.tagSize
        guard let box = try? AES.GCM.SealedBox(
            nonce: SealedStreamFormat.nonce(chunk: counter, final: final),
            ciphertext: bytes[0..<split], tag: bytes[split...])
        else { return nil }
        return try? AES.GCM.open(box, using: payloadKey, authenticating: identityBytes)
    }

    private func error(
        _ code: BackupCryptoError.Code, _ message: String, chunk: UInt64? = nil, offset: Int64? = nil
    ) -> BackupCryptoError {
        BackupCryptoError(code, message, identity: identity, chunkIndex: chunk, byteOffset: offset)
    }
}
