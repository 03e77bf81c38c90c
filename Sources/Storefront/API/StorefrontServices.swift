import AuditTrail
import FluentKit
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// What route handlers share: the database (swappable at run time), the write gate, the catalog cache,
/// checkout.
public struct StorefrontServices: Sendable {
    public let configuration: StorefrontConfiguration
    public let databases: DatabaseSwitch
    public let writeGate: WriteGate
    public let cache: CatalogCache
    public let checkout: CheckoutService
    public let auth: CustomerAuth
    /// The application audit log, when `AUDIT_LOG_FILE` names one.
    public let audit: AuditLog?

    /// `audit`: the log to write (``AuditLog/open(_:)`` opens the configured one).
    public init(configuration: StorefrontConfiguration, db: StorefrontDatabase, audit: AuditLog? = nil) {
        self.audit = audit
        self.configuration = configuration
        self.databases = DatabaseSwitch(db)
        self.writeGate = WriteGate()
        self.cache = CatalogCache(ttl: configuration.catalogCacheTTL)
        self.checkout = CheckoutService(cache: cache)
        auth = CustomerAuth(configuration: configuration, pool: PasswordHasher.pool, audit: audit)
    }

    /// Inside a request, the database the request started with; elsewhere the current one.
    public var db: StorefrontDatabase { databases.forThisTask?.database ?? databases.current }

    /// The database generation `db` belongs to (catalog cache entries are kept per generation).
    var generation: Int { databases.forThisTask?.generation ?? databases.generation }

    /// Shuts down the current database and any replaced one (at the end of the process).
    public func shutdown() async { await databases.shutdown() }

    /// One Fluent database handle per request: its own read-your-writes session for replica routing.
    func database(_ context: some RequestContext) -> any Database { db.database(logger: context.logger) }

    /// How personal data is sealed.
    public var pii: PIICodec { configuration.pii }

    func product(_ id: Int, _ context: some RequestContext) async throws -> ProductDTO? {
        try await cache.value(CatalogCache.productKey(id), generation: generation) {
            try await Product.find(id, on: database(context)).map(ProductDTO.init)
        }
    }

    func categoryTree(_ context: some RequestContext) async throws -> [CategoryNodeDTO] {
        try await cache.value(CatalogCache.categoryTreeKey, generation: generation) {
            let all = try await Category.query(on: database(context)).sort(\.$name).sort(\.$id).all()
            var children: [Int?: [Category]] = [:]
            for category in all { children[category.$parent.id, default: []].append(category) }
            func build(_ parent: Int?, depth: Int) -> [CategoryNodeDTO] {
                guard depth < 32 else { return [] }  // guards against a cycle in hand-edited data
                return (children[parent] ?? []).map {
                    CategoryNodeDTO(
                        id: $0.id ?? 0, name: $0.name, slug: $0.slug, children: build($0.id, depth: depth + 1))
                }
            }
            return build(nil, depth: 0)
        } ?? []
    }

    func invalidateProducts() { cache.invalidateAll() }

    /// The admin key check for one scope, auditing every admin call.
    func adminMiddleware(_ scope: AdminScope) -> AdminKeyMiddleware {
        AdminKeyMiddleware(keys: configuration.allAdminKeys, scope: scope, audit: audit, addresses: auth.addresses)
    }
}
