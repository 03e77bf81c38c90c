@preconcurrency import Crypto
import Foundation

/// Encrypts one object as a stream of authenticated chunks (the STREAM construction, as in age v1), so that
/// gigabyte backups are sealed and opened with bounded memory and any change, reordering or truncation is
/// detected.
///
/// Byte format of a sealed object (all integers big-endian):
/// ```
/// magic "DBCTLBK1"                       8 bytes
/// version = 1                            1 byte
/// algorithm = 1 (AES-256-GCM)            1 byte
/// chunk size                             4 bytes (u32), plaintext bytes per chunk
/// salt                                  16 random bytes
/// header MAC                            32 bytes: HMAC-SHA256 over the 30 bytes above followed by the
///                                                 UTF-8 identity, keyed by HKDF-SHA256(dataKey, salt, "header")
/// chunk 0, chunk 1, ..., final chunk    each AES-256-GCM ciphertext || 16-byte tag, where
///     key             = HKDF-SHA256(dataKey, salt, info "payload"), 32 bytes
///     nonce           = chunk counter as 11 bytes big-endian || 0x01 on the final chunk, else 0x00
///     associated data = the UTF-8 identity
/// ```
/// Every chunk but the last holds exactly `chunk size` plaintext bytes; the last holds 0 to `chunk size` (an
/// empty object is one empty final chunk, and an object of an exact multiple of the chunk size ends with a
/// full final chunk). The identity (the object's name, e.g. `backups/20261202T0100Z-full/data.mbs`) binds the
/// ciphertext to its place, so an object swapped for another one does not open.
///
/// Usage: call `append(_:)` with plaintext as it arrives and write what it returns, then write what
/// `finish()` returns. Output is produced a chunk at a time; a full chunk is held until the next byte shows it
/// is not the last.
public struct SealedStreamWriter: Sendable {
    /// The name the object is bound to.
    public let identity: String
    /// Plaintext bytes per chunk.
    public let chunkSize: Int
    /// Plaintext bytes appended so far.
    public private(set) var plainBytes: Int64 = 0
    /// Ciphertext bytes returned so far, header included.
    public private(set) var cipherBytes: Int64 = 0
    /// Whether `finish()` has been called.
    public private(set) var isFinished = false

    private let identityBytes: [UInt8]
    private let payloadKey: SymmetricKey
    private var header: [UInt8]?
    private var pending: [UInt8]
    private var counter: UInt64 = 0
    private var cipherHash = SHA256()

    /// Starts a sealed object for `identity` under `dataKey` (a fresh 256-bit key per object, see
    /// `KeyRing.newDataKey()`). `chunkSize` is 1 MiB by default, at most 64 MiB.
    public init(dataKey: SymmetricKey, identity: String, chunkSize: Int = 1 << 20) {
        precondition(chunkSize > 0 && chunkSize <= SealedStreamFormat.maximumChunkSize,
                     "chunk size must be 1 byte to 64 MiB")
        self.identity = identity
        self.chunkSize = chunkSize
        identityBytes = Array(identity.utf8)
        let salt = SealedStreamFormat.randomSalt()
        let keys = SealedStreamFormat.deriveKeys(dataKey: dataKey, salt: salt)
        payloadKey = keys.payload
        var header = SealedStreamFormat.magic
        header.append(SealedStreamFormat.version)
        header.append(SealedStreamFormat.algorithmAES256GCM)
        header += SealedStreamFormat.bigEndian(UInt32(chunkSize))
        header += salt
        let mac = HMAC<SHA256>.authenticationCode(
            for: SealedStreamFormat.macInput(headerWithoutMAC: header, identity: identity), using: keys.header)
        header += Array(mac)
        self.header = header
        pending = []
        pending.reserveCapacity(chunkSize)
    }

    /// Lower-case hex SHA-256 of the ciphertext returned so far; after `finish()`, of the whole object.
    public var cipherSHA256: String {
        cipherHash.finalize().sealedHex
    }

    /// Adds plaintext; returns the ciphertext ready to be written (the header first), possibly empty.
    public mutating func append(_ bytes: some ContiguousBytes) -> Data {
        bytes.withUnsafeBytes { raw in
            var output = Data()
            let chunks = (pending.count + raw.count) / chunkSize + 1
            output.reserveCapacity(
                pending.count + raw.count + chunks * SealedStreamFormat.tagSize + SealedStreamFormat.headerSize)
            append(raw, into: &output)
            return output
        }
    }

    /// Seals what remains as the final chunk; returns the last ciphertext to write.
    public mutating func finish() -> Data {
        var output = Data()
        finish(into: &output)
        return output
    }

    /// `append(_:)` writing into a caller-owned buffer, so a streaming loop can reuse one allocation.
    mutating func append(_ raw: UnsafeRawBufferPointer, into output: inout Data) {
        precondition(!isFinished, "append after finish")
        emitHeader(into: &output)
        plainBytes += Int64(raw.count)
        var offset = 0
        while offset < raw.count {
            if pending.count == chunkSize {
                // More bytes follow, so the held chunk is not the last.
                sealPending(final: false, into: &output)
            }
            let remaining = raw.count - offset
            if pending.isEmpty && remaining > chunkSize {
                seal(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + chunkSize]), final: false, into: &output)
                offset += chunkSize
                continue
            }
            let take = min(chunkSize - pending.count, remaining)
            pending.append(contentsOf: raw[offset..<offset + take])
            offset += take
        }
    }

    /// `finish()` writing into a caller-owned buffer.
    mutating func finish(into output: inout Data) {
        precondition(!isFinished, "finish called twice")
        emitHeader(into: &output)
        sealPending(final: true, into: &output)
        pending = []
        isFinished = true
    }

    private mutating func emitHeader(into output: inout Data) {
        guard let header else { return }
        output.append(contentsOf: header)
        cipherHash.update(data: header)
        cipherBytes += Int64(header.count)
        self.header = nil
    }

    private mutating func sealPending(final: Bool, into output: inout Data) {
        // Moved out for the duration so that sealing (which mutates self) does not overlap a read of `pending`.
        var chunk: [UInt8] = []
        swap(&chunk, &pending)
        chunk.withUnsafeBytes { seal($0, final: final, into: &output) }
        chunk.removeAll(keepingCapacity: true)
        swap(&chunk, &pending)
    }

    private mutating func seal(_ plaintext: UnsafeRawBufferPointer, final: Bool, into output: inout Data) {
        let nonce = SealedStreamFormat.nonce(chunk: counter, final: final)
        // AES-256-GCM with a valid key and nonce does not fail.
        let box = try! AES.GCM.seal(plaintext, using: payloadKey, nonce: nonce, authenticating: identityBytes)
        let start = output.count
        output.append(box.ciphertext)
        output.append(box.tag)
        output.withUnsafeBytes { raw in
            cipherHash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
        cipherBytes += Int64(output.count - start)
        counter += 1
    }
}
