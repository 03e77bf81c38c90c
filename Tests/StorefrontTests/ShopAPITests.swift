import FluentKit
import Foundation
import MariaDBTestSupport
import Storefront
import Testing

@Suite(.mariaDB, .latin1MariaDB) struct ShopAPITests {
    @Test(arguments: Backend.allCases)
    func customersAndAddresses(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            let id = try await shop.customer("Zoe.Mueller@Example.com", name: "Zoë Müller")
            let customer = try await shop.get("/customers/\(id)")
            #expect(customer["email"] as? String == "zoe.mueller@example.com")
            #expect(customer["name"] as? String == "Zoë Müller")
            // The unique key is case-insensitive on both databases (emails are normalised).
            let duplicate = try await shop.post("/customers", #"{"email": "ZOE.MUELLER@example.com", "name": "Other", "password": "Kestrel-Umber-4417"}"#)
            #expect(duplicate.status == 409)
            #expect(duplicate.errorField == "email")
            let address = try await shop.post("/customers/\(id)/addresses", #"{"line1": "Hauptstraße 1", "city": "Zürich", "postal_code": "8001", "country": "ch"}"#)
            #expect(address.status == 201, "\(address.text)")
            #expect(address["country"] as? String == "CH")
            #expect(try await shop.post("/customers/424242/addresses", #"{"line1": "x", "city": "y", "postal_code": "1", "country": "DE"}"#).status == 404)
            #expect(try await shop.get("/customers/424242").status == 404)
        }
    }

    @Test(arguments: Backend.allCases)
    func checkoutWritesTheWholeOrderOrNothing(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, services in
            let a = try await shop.product("A", price: "19.99", stock: 5)
            let b = try await shop.product("B", price: "0.01", stock: 1)
            let customer = try await shop.customer("buyer@example.com")
            let cart = try await shop.cart(customer: customer, items: [(a, 2), (b, 1)])
            let order = try await shop.checkout(cart: cart, customer: customer)
            #expect(order.status == 201, "\(order.text)")
            #expect(order["total"] as? String == "39.99")
            #expect(order["status"] as? String == "paid")
            #expect((order["lines"] as? [[String: Any]])?.count == 2)
            #expect((order["history"] as? [[String: Any]])?.map { $0["to"] as? String } == ["pending", "paid"])
            #expect((order["payments"] as? [[String: Any]])?.first?["amount"] as? String == "39.99")
            #expect(try await shop.get("/products/\(a)")["stock"] as? Int == 3)
            #expect(try await shop.get("/products/\(b)")["stock"] as? Int == 0)
            #expect(try await shop.get("/carts/\(cart)")["status"] as? String == "checked_out")
            #expect(try await shop.checkout(cart: cart, customer: customer).errorCode == "cart_closed")

            // Not enough stock of one line: nothing at all is written.
            let orderCount = try await Order.query(on: services.db.database()).count()
            let greedy = try await shop.cart(customer: customer, items: [(a, 1), (b, 1)])
            let refused = try await shop.checkout(cart: greedy, customer: customer)
            #expect(refused.status == 409)
            #expect(refused.errorCode == "insufficient_stock")
            #expect(try await shop.get("/products/\(a)")["stock"] as? Int == 3)
            #expect(try await Order.query(on: services.db.database()).count() == orderCount)
            #expect(try await shop.get("/carts/\(greedy)")["status"] as? String == "open")
            let movements = try await InventoryMovement.query(on: services.db.database()).filter(\.$product.$id == a).all()
            #expect(movements.map(\.delta).reduce(0, +) == 3, "restock 5, sale 2")

            let history = try await shop.get("/customers/\(customer)/orders")
            #expect(history["total"] as? Int == 1)
            #expect(history.items.first?["total"] as? String == "39.99")
            #expect(try await shop.get("/orders/\(order["id"] as! Int)")["total"] as? String == "39.99")
        }
    }

    /// Many parallel checkouts of the same product: stock ends exactly right, never below zero.
    @Test(arguments: Backend.allCases)
    func concurrentCheckoutsNeverOversell(backend: Backend) async throws {
        // 30 checkouts on 10 connections: waiting for one is expected here (overload has its own test).
        try await ShopHarness.withShop(backend, acquireTimeout: .seconds(30)) { shop, services in
            let stock = 12
            let buyers = 30
            let hot = try await shop.product("HOT", price: "5.00", stock: stock)
            let cold = try await shop.product("COLD", price: "1.00", stock: 1000)
            var carts: [(cart: Int, customer: Int)] = []
            for i in 0..<buyers {
                let customer = try await shop.customer("buyer\(i)@example.com")
                // Alternate line order so lock order differs between carts (the classic deadlock shape).
                let items = i % 2 == 0 ? [(hot, 1), (cold, 1)] : [(cold, 1), (hot, 1)]
                carts.append((try await shop.cart(customer: customer, items: items), customer))
            }
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for (cart, customer) in carts {
                    group.addTask {
                        let reply = try await shop.checkout(cart: cart, customer: customer)
                        return (reply.status, reply.errorCode)
                    }
                }
                var all: [(Int, String?)] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(statuses.filter { $0.0 == 201 }.count == stock)
            #expect(statuses.filter { $0.0 == 409 && $0.1 == "insufficient_stock" }.count == buyers - stock)
            #expect(statuses.allSatisfy { $0.0 == 201 || $0.0 == 409 }, "\(statuses)")
            #expect(try await shop.get("/products/\(hot)")["stock"] as? Int == 0)
            #expect(try await shop.get("/products/\(cold)")["stock"] as? Int == 1000 - stock)
            let db = services.db.database()
            #expect(try await Order.query(on: db).count() == stock)
            let sold = try await InventoryMovement.query(on: db).filter(\.$product.$id == hot).filter(\.$reason == "sale").all()
            #expect(sold.map(\.delta).reduce(0, +) == -stock)
        }
    }

    /// A cart whose total would leave the API's money range is refused and nothing is written (the sum was
    /// unchecked: too large an order was stored, and one that overflowed 64 bits stopped the process).
    @Test(arguments: Backend.allCases)
    func anOrderTotalBeyondTheMoneyRangeIsRefused(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, services in
            let dear = try await shop.product("DEAR", price: "9999999999999.99", stock: 1000)
            let customer = try await shop.customer("rich@example.com")
            let cart = try await shop.cart(customer: customer, items: [(dear, 2)])
            let refused = try await shop.checkout(cart: cart, customer: customer)
            #expect(refused.status == 409, "\(refused.text)")
            #expect(refused.errorCode == "total_too_large")
            #expect(try await shop.get("/products/\(dear)")["stock"] as? Int == 1000)
            #expect(try await Order.query(on: services.db.database()).count() == 0)
            #expect(try await shop.get("/carts/\(cart)")["status"] as? String == "open")
            let single = try await shop.cart(customer: customer, items: [(dear, 1)])
            let order = try await shop.checkout(cart: single, customer: customer)
            #expect(order.status == 201, "\(order.text)")
            #expect(order["total"] as? String == "9999999999999.99")
        }
    }

    @Test(arguments: Backend.allCases)
    func adminNeedsTheKeyAndOrderStatusFollowsItsRules(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            let noKey = try await shop.request(.post, "/admin/products", json: "{}")
            #expect(noKey.status == 401)
            let wrongKey = try await shop.request(.post, "/admin/products", json: "{}", admin: true, key: "nope")
            #expect(wrongKey.status == 401)
            let product = try await shop.product("S-1", stock: 3)
            let customer = try await shop.customer("s@example.com")
            let order = try await shop.checkout(cart: try await shop.cart(customer: customer, items: [(product, 1)]), customer: customer)
            let id = order["id"] as! Int
            let shipped = try await shop.post("/admin/orders/\(id)/status", #"{"status": "shipped"}"#, admin: true)
            #expect(shipped["status"] as? String == "shipped")
            #expect((shipped["history"] as? [[String: Any]])?.last?["from"] as? String == "paid")
            let backwards = try await shop.post("/admin/orders/\(id)/status", #"{"status": "paid"}"#, admin: true)
            #expect(backwards.status == 409)
            #expect(backwards.errorCode == "invalid_transition")
        }
    }

    @Test(arguments: Backend.allCases)
    func badInputIsAClearClientErrorAndWritesNothing(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, services in
            let product = try await shop.product("P-1", stock: 5)
            let customer = try await shop.customer("bad@example.com")
            let cart = try await shop.cart(customer: customer, items: [])
            let cases: [(String, String, String, Int, String?)] = [
                ("POST", "/customers", "{not json", 400, nil),
                ("POST", "/customers", "[1, 2]", 400, nil),
                ("POST", "/customers", #"{"email": "a@b.co", "name": "x", "admin": true, "password": "Kestrel-Umber-4417"}"#, 400, "admin"),
                ("POST", "/customers", #"{"email": "not-an-email", "name": "x", "password": "Kestrel-Umber-4417"}"#, 400, "email"),
                ("POST", "/customers", #"{"email": "a@b.co", "password": "Kestrel-Umber-4417"}"#, 400, "name"),
                ("POST", "/customers", #"{"email": "a@b.co", "name": 42, "password": "Kestrel-Umber-4417"}"#, 400, "name"),
                ("POST", "/customers", #"{"email": "a@b.co", "name": null, "password": "Kestrel-Umber-4417"}"#, 400, "name"),
                ("POST", "/customers", #"{"email": "a@b.co", "name": "\#(String(repeating: "x", count: 201))", "password": "Kestrel-Umber-4417"}"#, 400, "name"),
                ("PUT", "/carts/\(cart)/items", #"{"product_id": \#(product), "quantity": -1}"#, 400, "quantity"),
                ("PUT", "/carts/\(cart)/items", #"{"product_id": \#(product), "quantity": "2"}"#, 400, "quantity"),
                ("PUT", "/carts/\(cart)/items", #"{"product_id": 999999, "quantity": 1}"#, 404, nil),
                ("PUT", "/carts/999999/items", #"{"product_id": \#(product), "quantity": 1}"#, 404, nil),
                ("POST", "/carts/\(cart)/checkout", #"{"customer_id": \#(customer), "payment_method": "bitcoin"}"#, 400, "payment_method"),
                ("POST", "/carts/\(cart)/checkout", #"{"customer_id": \#(customer), "payment_method": "card"}"#, 409, nil),
                ("POST", "/admin/products", #"{"sku": "N", "title": "t", "description": "d", "price": "-1.00", "stock": 1}"#, 400, "price"),
                ("POST", "/admin/products", #"{"sku": "N", "title": "t", "description": "d", "price": "1.001", "stock": 1}"#, 400, "price"),
                ("POST", "/admin/products", #"{"sku": "N", "title": "t", "description": "d", "price": "1.00", "stock": -5}"#, 400, "stock"),
                ("POST", "/admin/products", #"{"sku": "P-1", "title": "t", "description": "d", "price": "1.00", "stock": 1}"#, 409, "sku"),
            ]
            for (method, uri, body, status, field) in cases {
                let reply = try await shop.request(method == "POST" ? .post : .put, uri, json: body, admin: uri.hasPrefix("/admin"))
                #expect(reply.status == status, "\(method) \(uri) \(body): \(reply.text)")
                #expect(reply.errorCode != nil, "error body for \(uri)")
                if let field { #expect(reply.errorField == field, "\(uri) \(body): \(reply.text)") }
            }
            // SQL-looking input is just text.
            let sneaky = "Robert'); DROP TABLE products; --"
            let created = try await shop.post("/customers", #"{"email": "bobby@example.com", "name": "\#(sneaky)", "password": "Kestrel-Umber-4417"}"#)
            #expect(created["name"] as? String == sneaky)
            #expect(try await shop.get("/products/\(product)").status == 200)
            let db = services.db.database()
            #expect(try await Customer.query(on: db).count() == 2)
            #expect(try await Product.query(on: db).count() == 1)
            #expect(try await CartItem.query(on: db).count() == 0)
            #expect(try await shop.get("/products/\(product)")["stock"] as? Int == 5)
        }
    }

    @Test(arguments: Backend.allCases)
    func healthMetricsAndOpenAPI(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            #expect(try await shop.get("/health/live").status == 200)
            let ready = try await shop.get("/health/ready")
            #expect(ready.status == 200)
            #expect(ready["database"] as? String == backend.kind.rawValue)
            _ = try await shop.get("/products/1")
            let metrics = try await shop.get("/metrics")
            #expect(metrics.text.contains(#"http_route="/products/{id}""#))
            let spec = try await shop.get("/openapi.yaml")
            #expect(spec.status == 200)
            #expect(spec.text.hasPrefix("openapi: 3"))
        }
    }

    @Test(arguments: Backend.allCases)
    func migrationsRevertAndReapply(backend: Backend) async throws {
        let harness = try await ShopHarness.make(backend)
        do {
            let db = harness.services.db
            #expect(try await db.migrationsAreCurrent())
            try await db.revertLastBatch()
            #expect(try await !db.migrationsAreCurrent())
            await #expect(throws: (any Error).self) { _ = try await Product.query(on: db.database()).count() }
            try await db.migrate()
            #expect(try await Product.query(on: db.database()).count() == 0)
        } catch {
            await harness.cleanup()
            throw error
        }
        await harness.cleanup()
    }

    /// More concurrent requests than pool connections: some wait, some get 503 + Retry-After, none crash.
    @Test func overloadGets503WithRetryAfter() async throws {
        try await ShopHarness.withShop(.mariadb, poolMaximum: 1, acquireTimeout: .milliseconds(1)) { shop, _ in
            let product = try await shop.product("O-1", stock: 1000)
            let replies = try await withThrowingTaskGroup(of: ShopClient.Reply.self) { group in
                for _ in 0..<40 { group.addTask { try await shop.get("/products?q=O-1") } }
                var all: [ShopClient.Reply] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            let overloaded = replies.filter { $0.status == 503 }
            #expect(replies.allSatisfy { $0.status == 200 || $0.status == 503 }, "\(replies.filter { $0.status != 200 && $0.status != 503 }.map(\.text))")
            #expect(!overloaded.isEmpty, "40 concurrent requests on one connection with a 1 ms acquire timeout")
            #expect(overloaded.allSatisfy { $0.headers[.retryAfter] == "1" && $0.errorCode == "overloaded" })
            #expect(try await shop.get("/products/\(product)").status == 200, "the server stays up")
        }
    }
}
