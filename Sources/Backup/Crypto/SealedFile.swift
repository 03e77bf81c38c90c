@preconcurrency import Crypto
import Foundation

/// Streams a file or pipe through `SealedStreamWriter` / `SealedStreamReader` with bounded memory.
///
/// The input is read ahead on a second thread (which also hashes it) while this thread encrypts or decrypts,
/// hashes the output and writes it. Memory is three 4 MiB read buffers plus about two chunks of output,
/// reused for the whole object. Neither handle is closed.
public enum SealedFile {
    /// Encrypts `input` until end of input into `output`. The input may be a pipe from a subprocess
    /// (`mariadb-backup --stream=mbstream`).
    public static func encrypt(
        input: FileHandle, output: FileHandle, dataKey: SymmetricKey, identity: String,
        chunkSize: Int = 1 << 20
    ) throws -> SealedSummary {
        var writer = SealedStreamWriter(dataKey: dataKey, identity: identity, chunkSize: chunkSize)
        let blockSize = readSize(chunkSize: chunkSize)
        var sealed = Data()
        sealed.reserveCapacity(blockSize + 2 * (chunkSize + SealedStreamFormat.tagSize)
            + SealedStreamFormat.headerSize)
        let readAhead = try startReading(input, blockSize: blockSize, identity: identity)
        defer { readAhead.stop() }
        while let block = try next(readAhead, identity: identity) {
            block.buffer.withUnsafeBytes { raw in
                writer.append(UnsafeRawBufferPointer(rebasing: raw[0..<block.count]), into: &sealed)
            }
            readAhead.recycle(block.buffer)
            try write(sealed, to: output, identity: identity)
            sealed.removeAll(keepingCapacity: true)
        }
        writer.finish(into: &sealed)
        try write(sealed, to: output, identity: identity)
        return SealedSummary(
            plainBytes: writer.plainBytes, cipherBytes: writer.cipherBytes, cipherSHA256: writer.cipherSHA256,
            plainSHA256: readAhead.digest)
    }

    /// Decrypts `input` until end of input into `output`, verifying every chunk. Plaintext is written as it is
    /// authenticated, so when this throws, `output` holds a prefix of the object that must be discarded.
    public static func decrypt(
        input: FileHandle, output: FileHandle, dataKey: SymmetricKey, identity: String
    ) throws -> SealedSummary {
        var reader = SealedStreamReader(dataKey: dataKey, identity: identity, hashingCiphertext: false)
        var plainHash = SHA256()
        let blockSize = readSize(chunkSize: SealedStreamFormat.defaultChunkSize)
        var plain = Data()
        plain.reserveCapacity(blockSize + 2 * SealedStreamFormat.defaultChunkSize)
        func flush() throws {
            plain.withUnsafeBytes { plainHash.update(bufferPointer: $0) }
            try write(plain, to: output, identity: identity)
            plain.removeAll(keepingCapacity: true)
        }
        let readAhead = try startReading(input, blockSize: blockSize, identity: identity)
        defer { readAhead.stop() }
        while let block = try next(readAhead, identity: identity) {
            try block.buffer.withUnsafeBytes { raw in
                try reader.append(UnsafeRawBufferPointer(rebasing: raw[0..<block.count]), into: &plain)
            }
            readAhead.recycle(block.buffer)
            try flush()
        }
        try reader.finish(into: &plain)
        try flush()
        return SealedSummary(
            plainBytes: reader.plainBytes, cipherBytes: reader.cipherBytes, cipherSHA256: readAhead.digest,
            plainSHA256: plainHash.finalize().sealedHex)
    }

    /// Several chunks per read(2) loop keep per-call overhead low; a bigger chunk size reads one chunk.
    static func readSize(chunkSize: Int) -> Int {
        max(chunkSize, 4 << 20)
    }

    private static func startReading(
        _ input: FileHandle, blockSize: Int, identity: String
    ) throws -> SealedFileReadAhead {
        do {
            return try SealedFileReadAhead(fileDescriptor: input.fileDescriptor, blockSize: blockSize)
        } catch {
            throw BackupCryptoError(.io, "\(identity): cannot read the input: \(error.text)", identity: identity)
        }
    }

    private static func next(_ readAhead: SealedFileReadAhead, identity: String) throws -> SealedFileReadAhead.Block? {
        do {
            return try readAhead.next()
        } catch {
            throw BackupCryptoError(.io, "\(identity): reading the input failed: \(error.text)", identity: identity)
        }
    }

    private static func write(_ data: Data, to handle: FileHandle, identity: String) throws {
        guard !data.isEmpty else { return }
        if let code = data.withUnsafeBytes({ SealedFileIO.writeAll(handle.fileDescriptor, $0) }) {
            throw BackupCryptoError(
                .io, "\(identity): writing the output failed: \(SealedFileIO.message(code))", identity: identity)
        }
    }
}
