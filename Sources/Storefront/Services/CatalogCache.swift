import CoreMetrics
import Foundation
import NIOConcurrencyHelpers

/// A small TTL cache for hot catalog reads (a product by id, the category tree). Writes invalidate the
/// affected entries; hits and misses are counted (`storefront.cache.requests{result}`).
///
/// Entries carry the database generation they were read from (`DatabaseSwitch.generation`): after a switch,
/// a request on the new database never sees what a request on the old one stored, even one that finished
/// after the switch emptied the cache.
public final class CatalogCache: Sendable {
    private struct Entry { let value: any Sendable; let expires: ContinuousClock.Instant; let generation: Int }
    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let ttl: Duration
    private let maximumEntries: Int
    private let hits = Counter(label: "storefront.cache.requests", dimensions: [("result", "hit")])
    private let misses = Counter(label: "storefront.cache.requests", dimensions: [("result", "miss")])

    public init(ttl: Duration, maximumEntries: Int = 10_000) {
        self.ttl = ttl
        self.maximumEntries = maximumEntries
    }

    public func value<T: Sendable>(_ key: String, as: T.Type = T.self, generation: Int = 0,
                                   load: () async throws -> T?) async throws -> T? {
        let now = ContinuousClock.now
        if let cached = entries.withLockedValue({ $0[key] }), cached.expires > now, cached.generation == generation,
           let value = cached.value as? T {
            hits.increment()
            return value
        }
        misses.increment()
        guard let value = try await load() else { return nil }
        entries.withLockedValue { entries in
            if entries.count >= maximumEntries { entries.removeAll(keepingCapacity: true) }
            if let existing = entries[key], existing.generation > generation { return }
            entries[key] = Entry(value: value, expires: now + ttl, generation: generation)
        }
        return value
    }

    public func invalidate(_ keys: String...) {
        entries.withLockedValue { for key in keys { $0.removeValue(forKey: key) } }
    }

    public func invalidateAll() { entries.withLockedValue { $0.removeAll() } }

    static func productKey(_ id: Int) -> String { "product:\(id)" }
    static let categoryTreeKey = "categories:tree"
}
