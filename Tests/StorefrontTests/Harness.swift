import AuditTrail
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import NIOCore
import Storefront
import Testing

/// The database a test runs on. Every API test runs once per case, with the same expectations.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, mariadb
    /// MariaDB with MySQL 5.7's `latin1` defaults and other settings the shop did not choose
    /// (`MariaDBServer.Options.latin1Defaults`): the suite's `.latin1MariaDB` server.
    case mariadbLatin1 = "mariadb-latin1"
    var testDescription: String { rawValue }
    /// The database kind the shop reports (`/health/ready`).
    var kind: StorefrontDatabase.Kind { self == .sqlite ? .sqlite : .mariadb }
    var isMariaDB: Bool { kind == .mariadb }
    static let latin1ServerName = "latin1"
    static let mariaDBCases: [Backend] = allCases.filter(\.isMariaDB)
}

extension Trait where Self == MariaDBServerTrait {
    /// The server behind `Backend.mariadbLatin1`; API suites carry it next to `.mariaDB`.
    static var latin1MariaDB: MariaDBServerTrait { .mariaDB(.latin1Defaults, named: Backend.latin1ServerName) }
}

/// A fresh, migrated shop database on the chosen backend, and the API over it.
struct ShopHarness {
    /// A fixed key (version 1) for the suite's sealed personal data.
    static let testPII = PIICodec(keys: [1: Data(repeating: 0x5A, count: 32)])

    let services: StorefrontServices
    let cleanup: @Sendable () async -> Void

    static func make(_ backend: Backend, adminKey: String = "test-admin-key", poolMaximum: Int = 10,
                     acquireTimeout: Duration = .seconds(2),
                     configure: (inout StorefrontConfiguration) -> Void = { _ in },
                     audit: AuditLog? = nil) async throws -> ShopHarness {
        StorefrontMetrics.bootstrap()
        let target: StorefrontConfiguration.DatabaseTarget
        var file: String?
        switch backend {
        case .sqlite:
            file = NSTemporaryDirectory() + "storefront-test-\(UUID().uuidString.prefix(8)).sqlite"
            target = .sqlite(path: file!)
        case .mariadb:
            target = .mariaDB(MariaDBConfigurationBox(try TestServer.freshDatabase("shop")))
        case .mariadbLatin1:
            let database = try TestServer.freshDatabase("shop", on: Backend.latin1ServerName)
            target = .mariaDB(MariaDBConfigurationBox(database))
        }
        var configuration = StorefrontConfiguration(database: target, poolMinimum: 0, poolMaximum: poolMaximum,
                                                    poolAcquireTimeout: acquireTimeout, adminAPIKey: adminKey,
                                                    catalogCacheTTL: .seconds(30))
        configuration.forTests()
        // The API suite runs with personal data sealed, as production does.
        configuration.pii = ShopHarness.testPII
        configure(&configuration)
        let db = StorefrontDatabase(configuration)
        try await db.migrate()
        let services = StorefrontServices(configuration: configuration, db: db, audit: audit)
        let sqliteFile = file
        return ShopHarness(services: services) {
            await services.shutdown()
            if let file = sqliteFile { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
        }
    }

    /// Runs `body` against the in-process router of this harness (cleaning up is the caller's).
    func withClient(_ body: @escaping @Sendable (ShopClient) async throws -> Void) async throws {
        let app = Application(router: StorefrontApplication.router(services: services))
        try await app.test(.router) { client in try await body(ShopClient(client: client)) }
    }

    /// Runs `body` against the in-process router; always cleans up.
    static func withShop(_ backend: Backend, poolMaximum: Int = 10, acquireTimeout: Duration = .seconds(2),
                         configure: (inout StorefrontConfiguration) -> Void = { _ in },
                         _ body: @escaping @Sendable (ShopClient, StorefrontServices) async throws -> Void) async throws {
        let harness = try await make(backend, poolMaximum: poolMaximum, acquireTimeout: acquireTimeout,
                                     configure: configure)
        do {
            let app = Application(router: StorefrontApplication.router(services: harness.services))
            try await app.test(.router) { client in try await body(ShopClient(client: client), harness.services) }
        } catch {
            await harness.cleanup()
            throw error
        }
        await harness.cleanup()
    }
}

extension StorefrontConfiguration {
    /// bcrypt at its cheapest and rate limits out of the way, except where a test sets them.
    mutating func forTests() {
        passwordHashCost = 4
        rateLimits = .generous
    }

    /// The same for a `storefront serve` process.
    static let testEnvironment = [
        "PASSWORD_HASH_COST": "4", "SIGNIN_FAILURES_PER_ACCOUNT": "1000000/1",
        "SIGNIN_ATTEMPTS_PER_ADDRESS": "1000000/1", "SIGNUPS_PER_ADDRESS": "1000000/1",
    ]
}

/// The bearer tokens of the customers a test created, shared by every copy of its client.
final class TokenBook: @unchecked Sendable {
    // `tokens` and `latest` are guarded by `lock`.
    private let lock = NSLock()
    private var tokens: [Int: String] = [:]
    private var latest: Int?

    func store(_ token: String, for customer: Int) {
        lock.withLock {
            tokens[customer] = token
            latest = customer
        }
    }

    func token(for customer: Int?) -> String? {
        lock.withLock { (customer ?? latest).flatMap { tokens[$0] } }
    }
}

/// JSON helpers over the test client. Requests carry the bearer token of the customer the client acts as: by
/// default the one created last, `signedIn(as:)` another, `anonymous` none.
struct ShopClient: Sendable {
    /// Every test customer's password: long enough and not a common one.
    static let password = "Kestrel-Umber-4417"

    enum Acting: Sendable {
        case latest, customer(Int), anonymous, token(String)
    }

    let client: any TestClientProtocol
    var book = TokenBook()
    var acting = Acting.latest

    init(client: any TestClientProtocol) { self.client = client }

    func signedIn(as customer: Int) -> ShopClient {
        var copy = self
        copy.acting = .customer(customer)
        return copy
    }

    var anonymous: ShopClient {
        var copy = self
        copy.acting = .anonymous
        return copy
    }

    func bearer(_ token: String) -> ShopClient {
        var copy = self
        copy.acting = .token(token)
        return copy
    }

    var token: String? {
        switch acting {
        case .latest: book.token(for: nil)
        case .customer(let id): book.token(for: id)
        case .anonymous: nil
        case .token(let token): token
        }
    }

    /// Parsed JSON is Foundation values, read-only after parsing.
    struct Reply: @unchecked Sendable {
        let status: Int
        let json: [String: Any]
        let array: [Any]
        let headers: HTTPFields
        let text: String
        subscript(key: String) -> Any? { json[key] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorField: String? { (json["error"] as? [String: Any])?["field"] as? String }
        var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }
        var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    }

    func request(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, admin: Bool = false,
                 key: String = "test-admin-key") async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if admin { headers[HTTPField.Name("X-API-Key")!] = key }
        if let token { headers[.authorization] = "Bearer " + token }
        return try await client.execute(uri: uri, method: method, headers: headers,
                                        body: json.map { ByteBuffer(string: $0) }) { response in
            let text = String(buffer: response.body)
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            return Reply(status: Int(response.status.code), json: object as? [String: Any] ?? [:],
                         array: object as? [Any] ?? [], headers: response.headers, text: text)
        }
    }

    func get(_ uri: String) async throws -> Reply { try await request(.get, uri) }
    func post(_ uri: String, _ json: String, admin: Bool = false) async throws -> Reply {
        try await request(.post, uri, json: json, admin: admin)
    }

    // Fixtures through the API itself.
    func category(_ name: String, slug: String, parent: Int? = nil) async throws -> Int {
        let reply = try await post("/admin/categories", #"{"name": "\#(name)", "slug": "\#(slug)", "parent_id": \#(parent.map(String.init) ?? "null")}"#, admin: true)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply["id"] as? Int, "\(reply.status) \(reply.text)")
    }

    func product(_ sku: String, title: String = "Thing", price: String = "9.99", stock: Int = 10, category: Int? = nil, active: Bool = true) async throws -> Int {
        let body = #"{"sku": "\#(sku)", "title": "\#(title)", "description": "A \#(title)", "price": "\#(price)", "stock": \#(stock), "active": \#(active), "category_id": \#(category.map(String.init) ?? "null"), "attributes": {"color": "blau"}}"#
        let reply = try await post("/admin/products", body, admin: true)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply["id"] as? Int, "\(reply.status) \(reply.text)")
    }

    /// Creates a customer with ``password`` and signs in; later requests act as this customer by default.
    func customer(_ email: String, name: String = "Zoë Müller") async throws -> Int {
        let body = #"{"email": "\#(email)", "name": "\#(name)", "phone": "+49 30 123456", "password": "\#(Self.password)"}"#
        let reply = try await anonymous.post("/customers", body)
        #expect(reply.status == 201, "\(reply.text)")
        let id = try #require(reply["id"] as? Int, "\(reply.status) \(reply.text)")
        let session = try await signIn(email, Self.password)
        #expect(session.status == 201, "\(session.text)")
        book.store(try #require(session["token"] as? String, "\(session.text)"), for: id)
        return id
    }

    func signIn(_ email: String, _ password: String) async throws -> Reply {
        let body = try String(decoding: JSONSerialization.data(withJSONObject: ["email": email, "password": password]),
                              as: UTF8.self)
        return try await anonymous.post("/sessions", body)
    }

    func cart(customer: Int, items: [(Int, Int)]) async throws -> Int {
        let shopper = signedIn(as: customer)
        let cart = try await shopper.post("/carts", #"{"customer_id": \#(customer)}"#)
        let id = try #require(cart["id"] as? Int, "\(cart.status) \(cart.text)")
        for (product, quantity) in items {
            let reply = try await shopper.request(.put, "/carts/\(id)/items", json: #"{"product_id": \#(product), "quantity": \#(quantity)}"#)
            #expect(reply.status == 200, "\(reply.text)")
        }
        return id
    }

    func checkout(cart: Int, customer: Int) async throws -> Reply {
        try await signedIn(as: customer).post("/carts/\(cart)/checkout", #"{"payment_method": "card"}"#)
    }
}
