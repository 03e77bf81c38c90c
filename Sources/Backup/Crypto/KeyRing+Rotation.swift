import Foundation

extension KeyRing {
    /// A ring with a fresh key appended, which becomes `current`. Old keys stay so that data keys they
    /// wrapped can still be unwrapped (or rewrapped under the new key). Persist it with `save(to:)`.
    ///
    /// The new id is `k<n>-<yyyyMMdd>-<6 random hex digits>`, e.g. `k2-20270601-3fa91c`.
    public func rotated(now: Date = Date(), retireAfter: Date? = nil) -> KeyRing {
        var id: String
        repeat {
            id = Self.newKeyID(index: keys.count + 1, now: now)
        } while key(id: id) != nil
        var ring = self
        ring.keys.append(KeyEncryptionKey.generate(id: id, created: Self.wholeSeconds(now), retireAfter: retireAfter))
        return ring
    }

    /// A ring without the key `id`, once every object it wrapped has been rewrapped. Refuses to remove the
    /// last key; an unknown id is an error naming it.
    public func removing(keyID id: String) throws -> KeyRing {
        guard key(id: id) != nil else {
            throw BackupCryptoError(.unknownKeyID, "key id \(id) is not in \(origin)", path: path, keyID: id)
        }
        return try KeyRing(keys: keys.filter { $0.id != id }, path: path)
    }

    /// Keys that are not retired at `now` but will be within `interval` seconds, oldest retirement first:
    /// the material for a "key about to be retired" alert, raised while there is time to rotate.
    public func keysExpiringSoon(within interval: TimeInterval, now: Date = Date()) -> [KeyEncryptionKey] {
        let horizon = now.addingTimeInterval(interval)
        return keys
            .filter { key in key.retireAfter.map { $0 > now && $0 <= horizon } ?? false }
            .sorted { $0.retireAfter! < $1.retireAfter! }
    }

    /// The key file stores whole seconds; rounding here keeps a ring equal to itself after a save and load.
    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    static func newKeyID(index: Int, now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        let day = String(format: "%04d%02d%02d", parts.year!, parts.month!, parts.day!)
        let suffix = String(format: "%06x", UInt32.random(in: 0...0xFF_FFFF))
        return "k\(index)-\(day)-\(suffix)"
    }
}
