import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// One smoke request and its outcome.
public struct SmokeResult: Sendable, Codable {
    public var name: String
    public var ok: Bool
    public var status: Int
    public var milliseconds: Double
    public var detail: String?

    public init(name: String, ok: Bool, status: Int, milliseconds: Double, detail: String? = nil) {
        self.name = name
        self.ok = ok
        self.status = status
        self.milliseconds = milliseconds
        self.detail = detail
    }
}

/// The storefront binary started on the staging database, asked what a shopper asks: catalog, a customer,
/// a cart, checkout, the order history — signed in, as a shopper is — and that the shop refuses a caller
/// without a token. Every answer must have the status the API documents.
public struct StorefrontSmoke: Sendable {
    public let baseURL: String

    public init(baseURL: String) { self.baseURL = baseURL }

    public func run() -> [SmokeResult] {
        var results: [SmokeResult] = []
        func step(
            _ name: String, _ method: HTTPMethod, _ path: String, _ body: [String: any Sendable]? = nil,
            token: String? = nil, expect: Int
        ) -> [String: Any]? {
            let started = Date()
            do {
                let (status, json) = try request(method, path, body, token: token)
                let ok = status == expect
                results.append(
                    SmokeResult(
                        name: name, ok: ok, status: status, milliseconds: Date().timeIntervalSince(started) * 1000,
                        detail: ok ? nil : "expected \(expect)"))
                return ok ? json : nil
            } catch {
                results.append(
                    SmokeResult(
                        name: name, ok: false, status: 0, milliseconds: Date().timeIntervalSince(started) * 1000,
                        detail: "\(error)"))
                return nil
            }
        }
        guard let ready = step("GET /health/ready", .GET, "/health/ready", expect: 200) else { return results }
        if ready["database"] as? String != "mariadb" {
            results.append(
                SmokeResult(
                    name: "backend", ok: false, status: 200, milliseconds: 0,
                    detail: "the shop reports \(ready["database"] ?? "?")"))
        }
        _ = step("GET /categories", .GET, "/categories", expect: 200)
        let products = step("GET /products", .GET, "/products?per=50", expect: 200)?["items"] as? [[String: Any]] ?? []
        guard
            let product = products.first(where: { ($0["stock"] as? Int ?? 0) > 0 && ($0["active"] as? Bool ?? true) }),
            let productID = product["id"] as? Int
        else {
            results.append(
                SmokeResult(
                    name: "catalog", ok: false, status: 0, milliseconds: 0,
                    detail: "no product in stock among the first 50"))
            return results
        }
        _ = step("GET /products/{id}", .GET, "/products/\(productID)", expect: 200)
        let email = "rehearsal-\(UUID().uuidString.prefix(8).lowercased())@example.invalid"
        // Random, so neither common nor reused; the shop's password policy accepts it.
        let password = "Rh-" + UUID().uuidString
        guard
            let customer = step(
                "POST /customers", .POST, "/customers", ["email": email, "name": "Rehearsal", "password": password],
                expect: 201), let customerID = customer["id"] as? Int,
            let session = step(
                "POST /sessions", .POST, "/sessions", ["email": email, "password": password],
                expect: 201),
            let token = session["token"] as? String
        else { return results }
        _ = step("GET /customers/{id} without a token", .GET, "/customers/\(customerID)", expect: 401)
        guard let cart = step("POST /carts", .POST, "/carts", ["customer_id": customerID], token: token, expect: 201),
            let cartID = cart["id"] as? Int
        else { return results }
        _ = step(
            "PUT /carts/{id}/items", .PUT, "/carts/\(cartID)/items", ["product_id": productID, "quantity": 1],
            token: token, expect: 200)
        guard
            let order = step(
                "POST /carts/{id}/checkout", .POST, "/carts/\(cartID)/checkout",
                ["customer_id": customerID, "payment_method": "card"], token: token, expect: 201),
            let orderID = order["id"] as? Int
        else { return results }
        _ = step("GET /orders/{id}", .GET, "/orders/\(orderID)", token: token, expect: 200)
        if let history = step(
            "GET /customers/{id}/orders", .GET, "/customers/\(customerID)/orders", token: token, expect: 200)
        {
            let ids = (history["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            if !ids.contains(orderID) {
                results.append(
                    SmokeResult(
                        name: "order history", ok: false, status: 200, milliseconds: 0,
                        detail: "order \(orderID) missing from the customer's history"))
            }
        }
        return results
    }

    public func request(
        _ method: HTTPMethod, _ path: String, _ body: [String: any Sendable]?, token: String? = nil
    ) throws -> (Int, [String: Any]) {
        var headers = HTTPHeaders([("Accept", "application/json")])
        if let token { headers.add(name: "Authorization", value: "Bearer " + token) }
        var requestBody: HTTPClient.Body?
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            requestBody = .data(try JSONSerialization.data(withJSONObject: body))
        }
        let request = try HTTPClient.Request(url: baseURL + path, method: method, headers: headers, body: requestBody)
        let response = try HTTPClient.shared.execute(request: request, deadline: .now() + .seconds(10)).wait()
        let data = response.body.map { Data(buffer: $0) } ?? Data()
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }
}
