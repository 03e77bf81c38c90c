import Foundation
import MariaDBTestSupport
import Storefront
import Testing

/// Text from anywhere in Unicode either round-trips exactly or is a clear `400`, on every backend, including a
/// MariaDB whose defaults are latin1. No text reaches the database as a `500`.
@Suite(.mariaDB, .latin1MariaDB) struct TextInputTests {
    /// Strings that trip up character sets, collations and length rules.
    static let corpus: [String] = [
        "Zoë Müller",                                   // Latin-1
        "Łukasz Żółć",                                  // Latin Extended, not in Latin-1
        "山田 太郎",                                     // CJK
        "محمد بن سلمان",                                // right-to-left
        "Ἀριστοτέλης",                                  // Greek with precomposed accents
        "🍮 Crème brûlée 🎉",                            // 4-byte emoji (not in utf8mb3)
        "👩‍👩‍👧‍👦 family",                                  // ZWJ sequence: one character, seven code points
        "🇩🇪🇯🇵",                                        // flags (regional indicator pairs)
        "e\u{301}e\u{301} combining",                   // combining marks
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛",                                   // mathematical alphanumerics (4-byte)
        "byte order mark \u{FEFF} and \u{200B}zero width", // BOM, zero-width space
        "line\u{2028}separator",                        // U+2028
        "private \u{E000} use \u{10FFFD}",               // private use, last plane
        "nonchar \u{FFFE}\u{FFFF}",                      // noncharacters
        #"back\slash 'single' "double" %wild_card%"#,   // quotes, LIKE wildcards
        "Robert'); DROP TABLE customers; --",
    ]

    /// ASCII letters and digits: everything else in a query value is percent-encoded.
    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    static func newProduct(sku: String) -> String {
        #"{"sku": \#(json(sku)), "title": "t", "description": "", "price": "1.00", "stock": 1}"#
    }

    /// JSON string literal for `text`.
    static func json(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }

    @Test(arguments: Backend.allCases)
    func anyTextRoundTripsInNamesAddressesReviewsAndProducts(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            let product = try await shop.product("TXT-0")
            for (index, text) in Self.corpus.enumerated() {
                let expected = text.trimmingCharacters(in: .whitespacesAndNewlines)
                let newCustomer = #"""
                    {"email": "t\#(index)@example.com", "name": \#(Self.json(text)), "password": "\#(ShopClient.password)"}
                    """#
                let customer = try await shop.post("/customers", newCustomer)
                #expect(customer.status == 201, "\(backend) name \(text.debugDescription): \(customer.text)")
                guard let id = customer["id"] as? Int else { continue }
                let session = try await shop.signIn("t\(index)@example.com", ShopClient.password)
                let me = shop.bearer(try #require(session["token"] as? String, "\(session.text)"))
                let read = try await me.get("/customers/\(id)")
                #expect(read["name"] as? String == expected, "\(text.debugDescription)")

                let address = try await me.post("/customers/\(id)/addresses", #"""
                    {"line1": \#(Self.json(text)), "line2": \#(Self.json(text)), "city": \#(Self.json(text)),
                     "postal_code": "\#(index)", "country": "DE"}
                    """#)
                #expect(address.status == 201, "\(backend) address \(text.debugDescription): \(address.text)")
                #expect(address["city"] as? String == expected)

                let review = try await me.post("/products/\(product)/reviews",
                                                 #"{"customer_id": \#(id), "rating": 4, "body": \#(Self.json(text))}"#)
                #expect(review.status == 201, "\(backend) review \(text.debugDescription): \(review.text)")
                #expect(review["body"] as? String == expected)

                let created = try await shop.post("/admin/products", #"""
                    {"sku": "TXT-\#(index + 1)", "title": \#(Self.json(text)), "description": \#(Self.json(text)),
                     "price": "1.00", "stock": 1, "attributes": {\#(Self.json(text)): \#(Self.json(text))}}
                    """#, admin: true)
                #expect(created.status == 201, "\(backend) product \(text.debugDescription): \(created.text)")
                if let productID = created["id"] as? Int {
                    let read = try await shop.get("/products/\(productID)")
                    #expect(read["title"] as? String == expected)
                    #expect(read["description"] as? String == expected)
                    #expect(read["attributes"] as? [String: String] == [text: text])
                }
            }
            let reviews = try await shop.get("/products/\(product)/reviews?per=100")
            #expect(reviews.status == 200)
            #expect(Set(reviews.items.compactMap { $0["body"] as? String })
                    == Set(Self.corpus.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }))
        }
    }

    /// Searching and sorting with any text compares in one collation: no "Illegal mix of collations".
    @Test(arguments: Backend.allCases)
    func searchAndSortWithAnyText(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            for (index, text) in Self.corpus.enumerated() {
                let id = try await shop.product("Q-\(index)", title: "Item \(index)")
                let body = #"{"title": \#(Self.json("Item \(index) " + text))}"#
                let patched = try await shop.request(.patch, "/admin/products/\(id)", json: body, admin: true)
                #expect(patched.status == 200, "\(backend) \(text.debugDescription): \(patched.text)")
            }
            for text in Self.corpus + ["ü", "日本", "🍮", "%", "_", "\\"] {
                let term = text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard let query = term.addingPercentEncoding(withAllowedCharacters: Self.unreserved) else { continue }
                let search = try await shop.get("/products?q=\(query)&sort=title")
                #expect(search.status == 200, "\(backend) q=\(term.debugDescription): \(search.text)")
                let titles = search.items.compactMap { $0["title"] as? String }
                if Self.corpus.contains(text) {
                    #expect(titles.contains { $0.hasSuffix(term) }, "\(backend) q=\(term.debugDescription): \(titles)")
                }
            }
            for sort in ["title", "-title"] {
                let sorted = try await shop.get("/products?sort=\(sort)&per=100")
                #expect(sorted.status == 200, "\(backend) sort=\(sort): \(sorted.text)")
                #expect(sorted.items.count == Self.corpus.count)
            }
        }
    }

    /// Limits count code points, as MariaDB's VARCHAR does: text that looks short but is long in code points is
    /// a `400` on every backend (it was accepted on SQLite and a "Data too long" `500` on MariaDB).
    @Test(arguments: Backend.allCases)
    func lengthLimitsCountCodePointsOnEveryBackend(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, _ in
            _ = try await shop.product("LEN-1")
            _ = try await shop.customer("len@example.com")
            let families = String(repeating: "👩‍👩‍👧‍👦", count: 40)  // 40 characters, 280 code points
            // One character with 40,000 combining marks: 80,000 bytes, more than a TEXT column holds.
            let zalgo = "e" + String(repeating: "\u{301}", count: 40_000)
            let eszett = String(repeating: "ß", count: 64)  // upper-cased: a 128-character SKU
            let dotted = String(repeating: "İ", count: 200) + "@x.de"  // lower-cased: "i̇" is two code points
            let tooLong: [(uri: String, body: String, field: String)] = [
                ("/customers", #"{"email": "a@example.com", "name": \#(Self.json(families)), "password": "Kestrel-Umber-4417"}"#, "name"),
                ("/products/1/reviews", #"{"customer_id": 1, "rating": 5, "body": \#(Self.json(zalgo))}"#, "body"),
                ("/admin/products", Self.newProduct(sku: eszett), "sku"),
                ("/customers", #"{"email": \#(Self.json(dotted)), "name": "n", "password": "Kestrel-Umber-4417"}"#, "email"),
            ]
            for (uri, body, field) in tooLong {
                let reply = try await shop.post(uri, body, admin: uri.hasPrefix("/admin"))
                #expect(reply.status == 400, "\(backend) \(uri) \(field): \(reply.text.prefix(300))")
                #expect(reply.errorField == field, "\(backend) \(uri): \(reply.text.prefix(300))")
            }
            // At the limit in code points is accepted and stored whole everywhere.
            let longest = String(repeating: "🍮", count: 200)
            let maximal = #"{"email": "m@example.com", "name": \#(Self.json(longest)), "password": "\#(ShopClient.password)"}"#
            let created = try await shop.post("/customers", maximal)
            #expect(created.status == 201, "\(backend): \(created.text.prefix(300))")
            #expect(created["name"] as? String == longest)
            let halfSKU = Self.newProduct(sku: String(repeating: "ß", count: 32))
            let sku = try await shop.post("/admin/products", halfSKU, admin: true)
            #expect(sku.status == 201, "\(backend): \(sku.text)")
            #expect(sku["sku"] as? String == String(repeating: "SS", count: 32))
        }
    }
}
