import Foundation
import HTTPTypes
import Storefront
import Testing

/// A scripted attacker against a real `storefront serve` on loopback: counts ids, guesses a password and puts
/// SQL into every text field. It gets nothing but its own data, is locked out, and the log shows it without
/// any password.
@Suite struct AttackerServeTests {
    static let adminKey = "attacker-test-admin-key-0123"
    static let victimPassword = "Sunflower-secret-77"

    @Test func anAttackerGetsNothingAndIsLogged() async throws {
        let folder = try ServeProcess.makeFolder()
        let environment = [
            "DATABASE_URL": "sqlite://\(folder)/shop.sqlite", "ADMIN_API_KEY": Self.adminKey,
            "SIGNIN_FAILURES_PER_ACCOUNT": "5/900", "AUDIT_LOG_FILE": "\(folder)/audit.log",
        ]
        var serve: ServeProcess?
        defer {
            serve?.stop()
            try? FileManager.default.removeItem(atPath: folder)
        }
        let (status, output) = try ServeProcess.run(["migrate"], environment: environment)
        try #require(status == 0, "storefront migrate: \(output)")
        let process = try await ServeProcess.start(environment: environment, folder: folder, name: "serve")
        serve = process
        let shop = LiveCalls(port: process.port, adminKey: Self.adminKey)
        func call(
            _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]? = nil, token: String? = nil,
            admin: Bool = false
        ) async throws -> ShopClient.Reply {
            try await shop.call(method, path, body, token: token, admin: admin)
        }
        func account(_ email: String, _ name: String, _ password: String) async throws -> (Int, String) {
            let created = try await call(.post, "/customers", ["email": email, "name": name, "password": password])
            let id = try #require(created["id"] as? Int, "\(created.text)")
            let session = try await call(.post, "/sessions", ["email": email, "password": password])
            return (id, try #require(session["token"] as? String, "\(session.text)"))
        }

        // The victim shops.
        let product = try await call(
            .post, "/admin/products",
            [
                "sku": "P-1", "title": "Tea", "description": "",
                "price": "4.50", "stock": 100,
            ], admin: true)
        let productID = try #require(product["id"] as? Int, "\(product.text)")
        let (victim, victimToken) = try await account("victim@example.com", "Vera Victim", Self.victimPassword)
        let cart = try await call(.post, "/carts", [:], token: victimToken)
        let cartID = try #require(cart["id"] as? Int)
        _ = try await call(
            .put, "/carts/\(cartID)/items", ["product_id": productID, "quantity": 1], token: victimToken)
        let order = try await call(.post, "/carts/\(cartID)/checkout", ["payment_method": "card"], token: victimToken)
        #expect(order.status == 201, "\(order.text)")

        // Enumeration with a valid account of its own.
        let (attacker, token) = try await account("eve@example.com", "Eve", "Eve-own-password-1")
        for id in 1...20 {
            for path in [
                "/customers/\(id)", "/customers/\(id)/orders", "/customers/\(id)/addresses",
                "/orders/\(id)", "/carts/\(id)",
            ] {
                let reply = try await call(.get, path, token: token)
                let own = path.hasPrefix("/customers/\(attacker)") && id == attacker
                #expect(reply.status == (own ? 200 : 404), "\(path): \(reply.status)")
                #expect(!reply.text.contains("victim@") && !reply.text.contains("Vera"), "\(path) leaks")
            }
        }
        #expect(victim != attacker)

        // Brute force: five guesses, then the account is locked, also for the right password.
        var answers: [Int] = []
        for guess in [
            "password1234", "Victim2024!!", "qwertyuiop12", "letmein-now!", "Vera-Victim-1", "Summer2026!!",
            Self.victimPassword,
        ] {
            answers.append(
                try await call(.post, "/sessions", ["email": "victim@example.com", "password": guess]).status)
        }
        #expect(answers == [401, 401, 401, 401, 401, 429, 429], "\(answers)")

        // SQL in every text field: refused or stored as text, never a 500, never anyone else's data.
        let payloads = [
            "' OR '1'='1", "x'; DROP TABLE customers; --", "1 UNION SELECT email, name FROM customers",
            "\" OR 1=1 #", "'; SELECT SLEEP(5); --",
        ]
        for payload in payloads {
            let replies = [
                try await call(.post, "/sessions", ["email": payload, "password": payload]),
                try await call(.post, "/sessions", ["email": "victim@example.com' --", "password": payload]),
                try await call(
                    .post, "/customers",
                    [
                        "email": "\(abs(payload.hashValue))@example.com",
                        "name": payload, "password": "Payload-pass-\(payload.count)",
                    ]),
                try await call(
                    .post, "/customers/\(attacker)/addresses",
                    ["line1": payload, "city": payload, "postal_code": "1", "country": "DE"], token: token),
                try await call(.post, "/products/\(productID)/reviews", ["rating": 1, "body": payload], token: token),
                try await call(
                    .get, "/products?q=" + (payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")),
            ]
            for reply in replies {
                #expect(reply.status < 500, "\(payload): \(reply.status) \(reply.text)")
                #expect(!reply.text.contains("victim@"), "\(payload) leaks")
            }
            #expect(replies[0].status == 401 && replies[1].status == 401, "\(payload)")
        }
        let victimStill = try await call(.get, "/customers/me", token: victimToken)
        #expect(victimStill["email"] as? String == "victim@example.com", "the victim's data is intact")

        process.stop()
        let log = process.log
        #expect(log.contains("event=signin_failed"), "\(log.suffix(800))")
        #expect(log.contains("event=signin_locked"))
        #expect(log.contains("client=127.0.0.1"))
        let audit = (try? String(contentsOfFile: folder + "/audit.log", encoding: .utf8)) ?? ""
        for secret in [Self.victimPassword, "Victim2024!!", "Eve-own-password-1", victimToken, token] {
            #expect(!log.contains(secret), "the log never holds a password or a token")
            #expect(!audit.contains(secret), "nor does the audit log")
        }
        #expect(audit.contains(#""outcome":"failed: wrong password""#), "\(audit.suffix(600))")
        #expect(audit.contains(#""outcome":"locked""#))
        #expect(
            audit.contains(#""action":"POST \/admin\/products""#) || audit.contains(#""action":"POST /admin/products""#)
        )
        let (verified, report) = try ServeProcess.run(["audit", "verify"], environment: environment)
        #expect(verified == 0, "\(report)")
        #expect(report.contains("chain intact"), "\(report)")
    }
}
