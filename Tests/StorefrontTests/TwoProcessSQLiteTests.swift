import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Storefront
import Testing

/// Two `storefront serve` processes on one SQLite file, the way a shop scales out before it leaves SQLite:
/// concurrent cart updates and checkouts through both answer without a single 5xx, and afterwards stock, order
/// lines and inventory movements agree (no oversell, nothing lost).
@Suite struct TwoProcessSQLiteTests {
    static let clients = 6
    static let adminKey = "two-process-key"
    /// `STOREFRONT_LOAD_SECONDS` lengthens the run for measurements.
    static var seconds: Double {
        ProcessInfo.processInfo.environment["STOREFRONT_LOAD_SECONDS"].flatMap(Double.init) ?? 4
    }
    /// `STOREFRONT_SERVE_PROCESSES=1` runs the same load through one process, for comparison.
    static var processes: Int {
        max(1, ProcessInfo.processInfo.environment["STOREFRONT_SERVE_PROCESSES"].flatMap(Int.init) ?? 2)
    }

    struct Seeded: Sendable {
        /// Few units each: checkouts compete for the last ones.
        let hot: [Int]
        /// Plenty: these checkouts keep writing all the way through the run.
        let cold: [Int]
        let stock: [Int: Int]
        let customers: [Int]
        /// Each customer's bearer token, by index.
        let tokens: [String]
    }

    /// A loaded machine (bcrypt sign-ups, two servers and the rest of the suite on two cores) answers late,
    /// not wrongly: the clients wait as long as a person would retry, far past the 15 s default.
    static let client = TestClient.Configuration(timeout: .seconds(180))

    @Test func twoServeProcessesOnOneFileTakeOrdersWithoutErrorsOrOversell() async throws {
        let folder = try ServeProcess.makeFolder()
        let environment = [
            "DATABASE_URL": "sqlite://\(folder)/shop.sqlite", "ADMIN_API_KEY": Self.adminKey,
            "CATALOG_CACHE_TTL_SECONDS": "0",
        ]
        var servers: [ServeProcess] = []
        defer {
            for server in servers { server.stop() }
            try? FileManager.default.removeItem(atPath: folder)
        }
        let (status, output) = try ServeProcess.run(["migrate"], environment: environment)
        try #require(status == 0, "storefront migrate: \(output)")
        for index in 0..<Self.processes {
            let server = try await ServeProcess.start(environment: environment, folder: folder, name: "serve\(index)")
            servers.append(server)
        }

        let seeded = try await Self.seed(port: servers[0].port)
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int(Self.seconds * 1000))
        let ports = servers.map(\.port)
        let tally = try await withThrowingTaskGroup(of: LoadTally.self) { group in
            for client in 0..<Self.clients {
                group.addTask {
                    try await Self.shop(
                        client: client, port: ports[client % ports.count], seeded: seeded,
                        until: deadline)
                }
            }
            var total = LoadTally()
            for try await part in group { total.add(part) }
            return total
        }
        let elapsed = ContinuousClock.now - started
        for server in servers { server.stop() }
        let summary = tally.summary(elapsed)
        print(
            "\(servers.count) storefront serve process(es), one SQLite file, \(Self.clients) clients, \(elapsed): "
                + summary)

        let logs = servers.map { String($0.log.suffix(800)) }.joined(separator: "\n---\n")
        #expect(tally.serverErrors == 0, "\(summary)\n\(logs)")
        #expect(tally.unexpected.isEmpty, "\(tally.unexpected.prefix(10))")
        #expect(tally.count("checkout", 201) > 0, "\(summary)")
        try await Self.verify(file: "\(folder)/shop.sqlite", seeded: seeded, tally: tally)
    }

    /// Products and customers through process a's API.
    static func seed(port: Int) async throws -> Seeded {
        try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: Self.client) { client in
            var stock: [Int: Int] = [:]
            func product(_ sku: String, units: Int) async throws -> Int {
                let body =
                    #"{"sku": "\#(sku)", "title": "\#(sku)", "description": "", "price": "2.50", "stock": "#
                    + "\(units)}"
                let reply = try await send(client, .post, "/admin/products", body, admin: true)
                guard reply.status == 201, let id = reply.json["id"] as? Int else {
                    throw ServeProcessError("seeding \(sku): \(reply.status) \(reply.text)")
                }
                stock[id] = units
                return id
            }
            var hot: [Int] = []
            var cold: [Int] = []
            var customers: [Int] = []
            var tokens: [String] = []
            for i in 0..<4 { hot.append(try await product("HOT-\(i)", units: 25)) }
            for i in 0..<4 { cold.append(try await product("COLD-\(i)", units: 1_000_000)) }
            for i in 0..<clients {
                let password = ShopClient.password
                let body = #"{"email": "load\#(i)@example.com", "name": "Käufer \#(i)", "password": "\#(password)"}"#
                let reply = try await send(client, .post, "/customers", body)
                guard let id = reply.json["id"] as? Int else { throw ServeProcessError("customer: \(reply.text)") }
                customers.append(id)
                let signIn = #"{"email": "load\#(i)@example.com", "password": "\#(password)"}"#
                let session = try await send(client, .post, "/sessions", signIn)
                guard let token = session.json["token"] as? String else {
                    throw ServeProcessError("sign-in: \(session.text)")
                }
                tokens.append(token)
            }
            return Seeded(hot: hot, cold: cold, stock: stock, customers: customers, tokens: tokens)
        }
    }

    /// One shopper on one keep-alive connection: open a cart, put items in it, change a quantity, check out;
    /// again until the deadline. Half the carts hold a hot product.
    static func shop(
        client index: Int, port: Int, seeded: Seeded,
        until deadline: ContinuousClock.Instant
    ) async throws -> LoadTally {
        try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: Self.client) { client in
            var tally = LoadTally()
            let customer = seeded.customers[index]
            let token = seeded.tokens[index]
            var round = 0
            while ContinuousClock.now < deadline {
                round += 1
                let cart = try await send(client, .post, "/carts", #"{"customer_id": \#(customer)}"#, token: token)
                tally.record("cart", cart)
                guard let cartID = cart.json["id"] as? Int else { continue }
                var items = [seeded.cold[(index + round) % seeded.cold.count]]
                if round % 2 == 0 { items.append(seeded.hot[(index + round) % seeded.hot.count]) }
                for (position, product) in items.enumerated() {
                    let body = #"{"product_id": \#(product), "quantity": \#(1 + (round + position) % 3)}"#
                    tally.record(
                        "cart_item", try await send(client, .put, "/carts/\(cartID)/items", body, token: token))
                }
                let change = #"{"product_id": \#(items[0]), "quantity": \#(1 + round % 2)}"#
                tally.record("cart_item", try await send(client, .put, "/carts/\(cartID)/items", change, token: token))
                let checkout = try await send(
                    client, .post, "/carts/\(cartID)/checkout",
                    #"{"customer_id": \#(customer), "payment_method": "card"}"#,
                    token: token)
                tally.record("checkout", checkout)
            }
            return tally
        }
    }

    /// The file after both processes stopped: every sale is an order line and an inventory movement, stock
    /// fell by exactly what was sold and never below zero, one order and one payment per successful checkout.
    static func verify(file: String, seeded: Seeded, tally: LoadTally) async throws {
        let db = StorefrontDatabase(StorefrontConfiguration(database: .sqlite(path: file)))
        do {
            let database = db.database()
            let products = try await Product.query(on: database).all()
            let lines = try await OrderLine.query(on: database).all()
            let movements = try await InventoryMovement.query(on: database).all()
            let orders = try await Order.query(on: database).with(\.$lines).all()
            var sold: [Int: Int] = [:]
            var moved: [Int: Int] = [:]
            for line in lines { sold[line.$product.id, default: 0] += line.quantity }
            for movement in movements { moved[movement.$product.id, default: 0] += movement.delta }
            for product in products {
                let id = try product.requireID()
                let initial = try #require(seeded.stock[id])
                #expect(product.stock >= 0, "\(product.sku)")
                #expect(initial - product.stock == sold[id, default: 0], "\(product.sku): stock fell by what was sold")
                #expect(moved[id, default: 0] == product.stock, "\(product.sku): the ledger adds up to the stock")
            }
            #expect(orders.count == tally.count("checkout", 201), "one order per successful checkout")
            for order in orders {
                #expect(order.totalCents == order.lines.reduce(0) { $0 + $1.unitPriceCents * Int64($1.quantity) })
            }
            #expect(try await Payment.query(on: database).count() == orders.count)
            #expect(try await Cart.query(on: database).filter(\.$status == "checked_out").count() == orders.count)
        } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
    }
}

/// Responses by operation and status.
struct LoadTally: Sendable {
    var statuses: [String: [Int: Int]] = [:]
    /// Replies that are neither success nor an expected refusal (`409 insufficient_stock` at checkout).
    var unexpected: [String] = []

    mutating func record(_ operation: String, _ reply: HTTPReply) {
        statuses[operation, default: [:]][reply.status, default: 0] += 1
        let expected: Set<Int> = operation == "checkout" ? [201, 409] : operation == "cart" ? [201] : [200]
        let code = (reply.json["error"] as? [String: Any])?["code"] as? String
        let refusal = reply.status == 409 && code != "insufficient_stock"
        if !expected.contains(reply.status) || refusal {
            unexpected.append("\(operation) \(reply.status) \(reply.text)")
        }
    }

    mutating func add(_ other: LoadTally) {
        for (operation, counts) in other.statuses {
            for (status, count) in counts { statuses[operation, default: [:]][status, default: 0] += count }
        }
        unexpected += other.unexpected
    }

    func count(_ operation: String, _ status: Int) -> Int { statuses[operation]?[status] ?? 0 }
    var requests: Int { statuses.values.reduce(0) { $0 + $1.values.reduce(0, +) } }
    var serverErrors: Int { statuses.values.reduce(0) { $0 + $1.filter { $0.key >= 500 }.values.reduce(0, +) } }

    func summary(_ elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let parts = statuses.keys.sorted().map { operation in
            let counts = statuses[operation]!.sorted { $0.key < $1.key }.map { "\($0.value)×\($0.key)" }
            return "\(operation) " + counts.joined(separator: " ")
        }
        let rate = Int(Double(requests) / max(seconds, 0.001))
        return "\(requests) requests (\(rate)/s): " + parts.joined(separator: "; ") + "; 5xx: \(serverErrors)"
    }
}

/// A parsed response from a live server.
struct HTTPReply: @unchecked Sendable {
    let status: Int
    let json: [String: Any]
    let text: String
}

func send(
    _ client: TestClient, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
    admin: Bool = false, token: String? = nil
) async throws -> HTTPReply {
    var headers: HTTPFields = [.contentType: "application/json"]
    if admin { headers[HTTPField.Name("X-API-Key")!] = TwoProcessSQLiteTests.adminKey }
    if let token { headers[.authorization] = "Bearer " + token }
    let request = TestClient.Request(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    let response = try await client.execute(request)
    let text = response.body.map { String(buffer: $0) } ?? ""
    let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    return HTTPReply(status: Int(response.status.code), json: json, text: text)
}
