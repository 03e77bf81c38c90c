import Foundation
import MariaDBTestSupport
import Storefront
import Testing

@Suite(.mariaDB, .latin1MariaDB) struct CatalogAPITests {
    @Test(arguments: Backend.allCases)
    func categoriesFormATree(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            let root = try await shop.category("Küche", slug: "kueche")
            _ = try await shop.category("Töpfe", slug: "toepfe", parent: root)
            _ = try await shop.category("Besteck", slug: "besteck", parent: root)
            let tree = try await shop.get("/categories")
            #expect(tree.status == 200)
            let roots = tree.array as! [[String: Any]]
            #expect(roots.map { $0["name"] as? String } == ["Küche"])
            #expect((roots[0]["children"] as! [[String: Any]]).map { $0["slug"] as? String } == ["besteck", "toepfe"])
            let duplicate = try await shop.post("/admin/categories", #"{"name": "X", "slug": "kueche"}"#, admin: true)
            #expect(duplicate.status == 409)
            #expect(duplicate.errorField == "slug")
        }
    }

    @Test(arguments: Backend.allCases)
    func listFilterSortSearchAndPaginate(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            let books = try await shop.category("Bücher", slug: "buecher")
            let toys = try await shop.category("Spiele", slug: "spiele")
            for i in 1...25 {
                _ = try await shop.product(String(format: "B-%03d", i), title: "Buch \(i) Café", price: "\(i).\(i % 10)5", stock: i, category: books)
            }
            _ = try await shop.product("T-1", title: "Würfel", price: "3.00", category: toys)
            _ = try await shop.product("T-2", title: "Hidden", price: "1.00", category: toys, active: false)

            let first = try await shop.get("/products?per=10&page=1")
            #expect(first.status == 200)
            #expect(first["total"] as? Int == 26)  // inactive products are not listed
            #expect(first.items.count == 10)
            let third = try await shop.get("/products?per=10&page=3")
            #expect(third.items.count == 6)

            let cheapest = try await shop.get("/products?sort=price&per=2")
            #expect(cheapest.items.map { $0["price"] as? String } == ["1.15", "2.25"])
            let dearest = try await shop.get("/products?sort=-price&per=1")
            #expect(dearest.items.first?["price"] as? String == "25.55")

            let inToys = try await shop.get("/products?category=\(toys)")
            #expect(inToys.items.map { $0["sku"] as? String } == ["T-1"])
            let search = try await shop.get("/products?q=W%C3%BCrfel")
            #expect(search.items.map { $0["title"] as? String } == ["Würfel"])
            let bySKU = try await shop.get("/products?q=B-007")
            #expect(bySKU.items.map { $0["sku"] as? String } == ["B-007"])
            let priced = try await shop.get("/products?min_price=10.00&max_price=12.15&sort=price")
            #expect(priced.items.map { $0["price"] as? String } == ["10.05", "11.15"])

            for bad in ["/products?per=0", "/products?per=101", "/products?page=x", "/products?sort=random", "/products?category=abc", "/products?min_price=-1"] {
                let reply = try await shop.get(bad)
                #expect(reply.status == 400, "\(bad)")
                #expect(reply.errorCode == "invalid_field", "\(bad)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func productDetailKeepsUnicodeCentsAndAttributes(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            let id = try await shop.product("U-1", title: "Crème brûlée — 日本 🍮", price: "1234567.89", stock: 3)
            let product = try await shop.get("/products/\(id)")
            #expect(product.status == 200)
            #expect(product["title"] as? String == "Crème brûlée — 日本 🍮")
            #expect(product["price"] as? String == "1234567.89")
            #expect((product["attributes"] as? [String: String]) == ["color": "blau"])
            #expect((product["created_at"] as? String)?.hasSuffix("Z") == true)
            #expect(try await shop.get("/products/999999").status == 404)
            #expect(try await shop.get("/products/abc").status == 400)
            let hidden = try await shop.product("U-2", active: false)
            #expect(try await shop.get("/products/\(hidden)").status == 404)
        }
    }

    @Test(arguments: Backend.allCases)
    func adminUpdatesInvalidateTheCache(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            let id = try await shop.product("C-1", title: "Alt", price: "5.00")
            #expect(try await shop.get("/products/\(id)")["title"] as? String == "Alt")
            let patch = try await shop.request(.patch, "/admin/products/\(id)", json: #"{"title": "Neu", "price": "6.5"}"#, admin: true)
            #expect(patch.status == 200, "\(patch.text)")
            let after = try await shop.get("/products/\(id)")
            #expect(after["title"] as? String == "Neu")
            #expect(after["price"] as? String == "6.50")
            let restock = try await shop.post("/admin/products/\(id)/inventory", #"{"delta": 5, "reason": "restock"}"#, admin: true)
            #expect(restock["stock"] as? Int == 15)
            #expect(try await shop.get("/products/\(id)")["stock"] as? Int == 15)
            let negative = try await shop.post("/admin/products/\(id)/inventory", #"{"delta": -100, "reason": "adjustment"}"#, admin: true)
            #expect(negative.status == 409)
            #expect(try await shop.get("/products/\(id)")["stock"] as? Int == 15)
        }
    }

    @Test(arguments: Backend.allCases)
    func reviews(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            let product = try await shop.product("R-1")
            let customer = try await shop.customer("reviewer@example.com")
            let created = try await shop.post("/products/\(product)/reviews", #"{"customer_id": \#(customer), "rating": 5, "body": "Wunderbar ★"}"#)
            #expect(created.status == 201)
            let list = try await shop.get("/products/\(product)/reviews")
            #expect(list.items.map { $0["body"] as? String } == ["Wunderbar ★"])
            let bad = try await shop.post("/products/\(product)/reviews", #"{"customer_id": \#(customer), "rating": 6, "body": "x"}"#)
            #expect(bad.status == 400)
            #expect(bad.errorField == "rating")
        }
    }
}
