@preconcurrency import Crypto
import Foundation

extension KeyRing {
    /// Seals `dataKey` under the `current` key for the object `identity`.
    public func wrap(_ dataKey: SymmetricKey, identity: String) -> WrappedKey {
        Self.wrap(dataKey, identity: identity, under: current)
    }

    /// Opens a wrapped data key. An id the ring does not hold is an error naming the id and the key file;
    /// a wrap made for another identity, or tampered, is an error naming the identity.
    public func unwrap(_ wrapped: WrappedKey, identity: String) throws -> SymmetricKey {
        guard let kek = key(id: wrapped.keyID) else {
            throw BackupCryptoError(
                .unknownKeyID,
                "data key of \(identity) is wrapped by key id \(wrapped.keyID), which is not in \(origin)",
                path: path, keyID: wrapped.keyID, identity: identity)
        }
        let failed = BackupCryptoError(
            .unwrapFailed,
            "data key of \(identity) does not open under key \(wrapped.keyID): "
                + "it belongs to another object or was tampered with",
            path: path, keyID: wrapped.keyID, identity: identity)
        let bytes: Data
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped.sealed)
            bytes = try AES.GCM.open(
                box, using: kek.material,
                authenticating: WrappedKey.associatedData(keyID: wrapped.keyID, identity: identity))
        } catch {
            throw failed
        }
        guard bytes.count == 32 else { throw failed }
        return SymmetricKey(data: bytes)
    }

    /// Moves a wrapped data key to the `current` key: unwraps it with the key it names, wraps it again. The
    /// object's data is not touched.
    public func rewrap(_ wrapped: WrappedKey, identity: String) throws -> WrappedKey {
        let dataKey = try unwrap(wrapped, identity: identity)
        let kek = current
        // Already under the current key: keep the bytes, so a rewrap pass rewrites nothing needlessly.
        if wrapped.keyID == kek.id { return wrapped }
        return Self.wrap(dataKey, identity: identity, under: kek)
    }

    static func wrap(_ dataKey: SymmetricKey, identity: String, under kek: KeyEncryptionKey) -> WrappedKey {
        precondition(dataKey.bitCount == 256, "data keys are 256-bit")
        let associated = WrappedKey.associatedData(keyID: kek.id, identity: identity)
        // Sealing with a 256-bit key and a fresh random nonce cannot fail.
        let box = try! dataKey.withUnsafeBytes { raw in
            try AES.GCM.seal(raw, using: kek.material, nonce: AES.GCM.Nonce(), authenticating: associated)
        }
        return WrappedKey(keyID: kek.id, sealed: box.combined!)
    }
}
