import FluentKit
import Foundation
import HTTPTypes
import MariaDBTestSupport
import Storefront
import Testing

/// Customer accounts on both databases: passwords, sessions, and that a customer reaches only what is theirs.
@Suite(.mariaDB, .latin1MariaDB) struct AccountAPITests {
    static let password = ShopClient.password

    static func newCustomer(_ email: String, password: String, name: String = "Ada") -> String {
        let fields = ["email": email, "name": name, "password": password]
        return String(decoding: try! JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
    }

    @Test(arguments: Backend.allCases)
    func passwordsFollowThePolicyAndAreStoredOnlyAsBcrypt(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, services in
            let refused: [(password: String, reason: String)] = [
                ("short1!", "at least 10"),
                ("1234567890", "commonly used"),
                ("Password123", "commonly used"),
                ("ada.lovelace-2024", "email or name"),
                ("aaaaaaaaaaaa", "3 different"),
                (String(repeating: "é", count: 40), "72 bytes"),
            ]
            for (password, reason) in refused {
                let reply = try await shop.post(
                    "/customers", Self.newCustomer("ada.lovelace@example.com", password: password))
                #expect(reply.status == 400, "\(password): \(reply.text)")
                #expect(reply.errorField == "password")
                #expect(reply.errorMessage.contains(reason), "\(password): \(reply.errorMessage)")
                #expect(!reply.text.contains(password), "the error never echoes the password")
            }
            let missing = try await shop.post("/customers", #"{"email": "a@example.com", "name": "A"}"#)
            #expect(missing.status == 400)
            #expect(missing.errorField == "password")

            let id = try await shop.customer("ada.lovelace@example.com", name: "Ada")
            let stored = try #require(try await Customer.find(id, on: services.db.database()))
            let hash = try #require(stored.passwordHash)
            #expect(hash.hasPrefix("$2b$04$"), "bcrypt at the configured cost: \(hash.prefix(7))")
            #expect(!hash.contains(Self.password))
        }
    }

    @Test(arguments: Backend.allCases)
    func signInGivesAnExpiringTokenAndSignOutEndsIt(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, services in
            let id = try await shop.customer("kim@example.com")
            let session = try await shop.signIn("  KIM@example.com ", Self.password)
            #expect(session.status == 201, "\(session.text)")
            #expect(session.headers[.cacheControl] == "no-store")
            #expect(session["customer_id"] as? Int == id)
            let token = try #require(session["token"] as? String)
            #expect(token.hasPrefix("sfs_") && token.count >= 40)
            let expires = try #require(session["expires_at"] as? String)
            #expect(expires > iso8601(Date().addingTimeInterval(11 * 3600)), "12 h by default: \(expires)")

            let me = shop.bearer(token)
            #expect(try await me.get("/customers/me")["id"] as? Int == id)
            // Only the token's SHA-256 is in the database.
            let rows = try await CustomerSession.query(on: services.db.database()).all()
            #expect(!rows.isEmpty)
            #expect(rows.allSatisfy { $0.tokenHash.count == 64 && $0.tokenHash != token })

            let wrong = try await shop.signIn("kim@example.com", "Wrong-password-123")
            let unknown = try await shop.signIn("nobody@example.com", Self.password)
            for reply in [wrong, unknown] {
                #expect(reply.status == 401)
                #expect(reply.errorCode == "invalid_credentials")
            }
            #expect(wrong.errorMessage == unknown.errorMessage, "the answer does not tell whether the email exists")

            let none = try await shop.anonymous.get("/customers/me")
            #expect(none.status == 401)
            #expect(none.errorCode == "unauthorized")
            #expect(none.headers[.wwwAuthenticate] == #"Bearer realm="storefront""#)
            let forged = try await shop.bearer("sfs_forged").get("/customers/me")
            #expect(forged.status == 401)
            #expect(forged.errorCode == "invalid_token")
            #expect(forged.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)

            #expect(try await me.request(.delete, "/sessions/current").status == 204)
            let after = try await me.get("/customers/me")
            #expect(after.status == 401)
            #expect(after.errorCode == "invalid_token")
            #expect(try await shop.anonymous.request(.delete, "/sessions/current").status == 401)
        }
    }

    /// Expiry is the database's `expires_at`, moved into the past here rather than waited for, so a loaded
    /// machine cannot make the test late.
    @Test(arguments: [Backend.sqlite, .mariadb])
    func anExpiredTokenIsRefused(backend: Backend) async throws {
        try await ShopHarness.withShop(backend, configure: { $0.sessionTTL = .seconds(120) }) { shop, services in
            _ = try await shop.customer("brief@example.com")
            #expect(try await shop.get("/customers/me").status == 200)
            let session = try #require(try await CustomerSession.query(on: services.db.database()).first())
            let expires = try #require(session.expiresAt)
            #expect(abs(expires.timeIntervalSinceNow - 120) < 60, "SESSION_TTL_SECONDS applies: \(expires)")
            session.expiresAt = Date().addingTimeInterval(-1)
            try await session.update(on: services.db.database())
            let expired = try await shop.get("/customers/me")
            #expect(expired.status == 401)
            #expect(expired.errorCode == "invalid_token")
        }
    }

    /// Every way one customer could reach another's data answers `404`, the same as an id that does not exist.
    @Test(arguments: Backend.allCases)
    func aCustomerReachesOnlyTheirOwnData(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, services in
            let product = try await shop.product("OWN-1", price: "3.00", stock: 50)
            let alice = try await shop.customer("alice@example.com", name: "Alice")
            let address = try await shop.signedIn(as: alice).post(
                "/customers/\(alice)/addresses",
                #"{"line1": "Privatweg 1", "city": "Bern", "postal_code": "3000", "country": "CH"}"#)
            #expect(address.status == 201, "\(address.text)")
            let aliceCart = try await shop.cart(customer: alice, items: [(product, 1)])
            let order = try await shop.checkout(cart: aliceCart, customer: alice)
            let orderID = try #require(order["id"] as? Int, "\(order.text)")
            let openCart = try await shop.cart(customer: alice, items: [(product, 2)])

            let mallory = try await shop.customer("mallory@example.com", name: "Mallory")
            let attacker = shop.signedIn(as: mallory)
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/customers/\(alice)", nil),
                (.get, "/customers/\(alice)/addresses", nil),
                (
                    .post, "/customers/\(alice)/addresses",
                    #"{"line1": "x", "city": "y", "postal_code": "1", "country": "DE"}"#
                ),
                (.get, "/customers/\(alice)/orders", nil),
                (.get, "/orders/\(orderID)", nil),
                (.get, "/carts/\(openCart)", nil),
                (.put, "/carts/\(openCart)/items", #"{"product_id": \#(product), "quantity": 9}"#),
                (.post, "/carts/\(openCart)/checkout", #"{"payment_method": "card"}"#),
                (.post, "/carts", #"{"customer_id": \#(alice)}"#),
                (.post, "/carts/\(openCart)/checkout", #"{"customer_id": \#(alice), "payment_method": "card"}"#),
                (.post, "/products/\(product)/reviews", #"{"customer_id": \#(alice), "rating": 1, "body": "x"}"#),
            ]
            for (method, uri, body) in attempts {
                let reply = try await attacker.request(method, uri, json: body)
                #expect(reply.status == 404, "\(method) \(uri): \(reply.status) \(reply.text)")
                #expect(reply.errorCode == "not_found", "\(uri)")
                #expect(!reply.text.contains("Alice") && !reply.text.contains("alice@"), "\(uri) leaks: \(reply.text)")
                let missing = uri.replacingOccurrences(of: "/\(alice)", with: "/999999")
                    .replacingOccurrences(of: "/\(orderID)", with: "/999999")
                if missing != uri, method == .get {
                    #expect(try await attacker.request(method, missing).status == 404, "same answer as a missing id")
                }
            }
            // Nothing of Alice's changed, and she still reaches all of it.
            let owner = shop.signedIn(as: alice)
            #expect(try await owner.get("/carts/\(openCart)").status == 200)
            let items = try await owner.get("/carts/\(openCart)")["items"] as? [[String: Any]]
            #expect(items?.first?["quantity"] as? Int == 2)
            #expect(try await owner.get("/customers/\(alice)/addresses").array.count == 1)
            #expect(try await owner.get("/orders/\(orderID)").status == 200)
            #expect(try await Review.query(on: services.db.database()).count() == 0)
            // Without a token the answer is 401, for existing and missing ids alike.
            for uri in ["/customers/\(alice)", "/customers/999999", "/orders/\(orderID)", "/carts/\(openCart)"] {
                #expect(try await shop.anonymous.get(uri).status == 401, "\(uri)")
            }
            // Her own review names her, whatever customer_id says is absent.
            let review = try await owner.post("/products/\(product)/reviews", #"{"rating": 5, "body": "gut"}"#)
            #expect(review["customer_id"] as? Int == alice, "\(review.text)")
        }
    }

    @Test(arguments: [Backend.sqlite, .mariadb])
    func signInAndSignUpAreRateLimited(backend: Backend) async throws {
        let configure: (inout StorefrontConfiguration) -> Void = {
            $0.rateLimits.signInFailuresPerAccount = RateLimit(3, per: .seconds(900))
            $0.rateLimits.signInAttemptsPerAddress = RateLimit(11, per: .seconds(900))
            $0.rateLimits.signUpsPerAddress = RateLimit(3, per: .seconds(900))
        }
        try await ShopHarness.withShop(backend, configure: configure) { shop, _ in
            _ = try await shop.customer("target@example.com")  // sign-up 1, sign-in attempt 1
            _ = try await shop.customer("bystander@example.com")  // sign-up 2, attempt 2
            for attempt in 1...3 {
                let reply = try await shop.signIn("target@example.com", "Guess-number-\(attempt)")
                #expect(reply.status == 401, "attempt \(attempt): \(reply.text)")
            }
            let locked = try await shop.signIn("target@example.com", Self.password)
            #expect(locked.status == 429, "locked even for the right password: \(locked.text)")
            #expect(locked.errorCode == "account_locked")
            let wait = try #require(locked.headers[.retryAfter].flatMap { Int($0) })
            #expect(wait > 800 && wait <= 900, "\(wait)")
            // Unknown emails lock the same way, so a lock-out does not reveal that an account exists.
            for attempt in 1...3 { _ = try await shop.signIn("ghost@example.com", "Guess-number-\(attempt)") }
            #expect(try await shop.signIn("ghost@example.com", "Guess-number-4").errorCode == "account_locked")
            // Attempt 11: the bystander is not locked, and the address still has one attempt left.
            #expect(try await shop.signIn("bystander@example.com", Self.password).status == 201)
            let overAddress = try await shop.signIn("bystander@example.com", Self.password)
            #expect(overAddress.status == 429, "\(overAddress.text)")
            #expect(overAddress.errorCode == "too_many_requests")

            #expect(
                try await shop.post("/customers", Self.newCustomer("third@example.com", password: Self.password))
                    .status == 201)
            let fourth = try await shop.post(
                "/customers", Self.newCustomer("fourth@example.com", password: Self.password))
            #expect(fourth.status == 429, "\(fourth.text)")
            #expect(fourth.headers[.retryAfter] != nil)
        }
    }

    @Test func adminKeysCarryScopes() async throws {
        let support = AdminKey(name: "support", scopes: [.customers], secret: "support-key-0123456789")
        try await ShopHarness.withShop(.sqlite, configure: { $0.adminKeys = [support] }) { shop, _ in
            let id = try await shop.customer("help@example.com", name: "Help Me")
            let read = try await shop.request(.get, "/admin/customers/\(id)", admin: true, key: support.secret)
            #expect(read.status == 200, "\(read.text)")
            #expect(read["name"] as? String == "Help Me")
            let denied = try await shop.request(
                .post, "/admin/categories", json: #"{"name": "n", "slug": "n"}"#, admin: true, key: support.secret)
            #expect(denied.status == 403)
            #expect(denied.errorCode == "insufficient_scope")
            #expect(denied.errorMessage.contains("support") && denied.errorMessage.contains("catalog"))
            #expect(!denied.text.contains(support.secret))
            let control = try await shop.request(.get, "/admin/database", admin: true, key: support.secret)
            #expect(control.status == 403)
            // The main key has every scope; a wrong key is 401.
            #expect(try await shop.request(.get, "/admin/customers/\(id)", admin: true).status == 200)
            let wrong = try await shop.request(
                .get, "/admin/customers/\(id)", admin: true, key: "support-key-012345678X")
            #expect(wrong.status == 401)
        }
    }

    @Test func scopedAdminKeysComeFromAPrivateFile() throws {
        let folder = NSTemporaryDirectory() + "admin-keys-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/keys"
        let text =
            "# name scopes key\nsupport customers support-key-0123456789\nops catalog,orders ops-key-0123456789ab\nall * all-key-0123456789abcd\n"
        FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        let keys = try AdminKey.load(file: file)
        #expect(keys.map(\.name) == ["support", "ops", "all"])
        #expect(keys[1].scopes == [.catalog, .orders])
        #expect(keys[2].scopes == Set(AdminScope.allCases))

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let open = try #require(throws: StorefrontConfigurationError.self) { try AdminKey.load(file: file) }
        #expect(open.description.contains(file) && open.description.contains("chmod 600"), "\(open)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        try Data("x billing key-0123456789abcdef\n".utf8).write(to: URL(fileURLWithPath: file))
        let scope = try #require(throws: StorefrontConfigurationError.self) { try AdminKey.load(file: file) }
        #expect(scope.description.contains(":1") && scope.description.contains("billing"), "\(scope)")
        #expect(!scope.description.contains("key-0123456789abcdef"), "the key itself is never in an error")
    }
}

func iso8601(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
}
