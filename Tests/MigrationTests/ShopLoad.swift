import AsyncHTTPClient
import Foundation
import MariaDBServer
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// `storefront serve` on a free loopback port, stopped (SIGTERM, then SIGKILL) by `stop()`.
final class ShopProcess: @unchecked Sendable {
    let port: Int
    let process = Process()
    let logFile: String
    var url: String { "http://127.0.0.1:\(port)" }

    init(binary: String, environment: [String: String], folder: String, name: String) throws {
        port = try FreePort.pick()
        logFile = folder + "/\(name).log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port)]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            guard process.isRunning else {
                let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
                throw LoadError("\(name) exited: \(text.suffix(600))")
            }
            if (try? ShopLoad.request(.GET, url + "/health/ready", nil).0) == 200 { return }
            usleep(100_000)
        }
        stop()
        throw LoadError("\(name) not ready after 60 s")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func state() throws -> [String: Any] {
        try ShopLoad.request(.GET, url + "/admin/database", nil, key: ShopLoad.adminKey).1
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Shoppers placing orders through the HTTP API of several instances: each worker creates a customer, then
/// loops cart → item → checkout. Acknowledged orders (201) are kept; a failure is any 5xx or transport
/// error, while the API's business refusals (409 such as `insufficient_stock`) are counted apart.
final class ShopLoad: @unchecked Sendable {
    static let adminKey = "online-cutover-admin-key-0123456789"
    private let lock = NSLock()
    private var stopped = false
    private(set) var orders: [Int] = []
    private(set) var failures: [String] = []
    private(set) var refusals = 0
    private(set) var latencies: [(Date, Double)] = []
    private let group = DispatchGroup()

    init(urls: [String], workersPerInstance: Int, products: Int, pauseMs: Int = 5) {
        for (index, url) in urls.enumerated() {
            for worker in 0..<workersPerInstance {
                group.enter()
                Thread.detachNewThread { [self] in
                    defer { group.leave() }
                    run(url: url, seed: index * 100 + worker, products: products, pauseMs: pauseMs)
                }
            }
        }
    }

    var isStopped: Bool { lock.withLock { stopped } }
    var acknowledged: [Int] { lock.withLock { orders } }
    var failed: [String] { lock.withLock { failures } }

    func stop() {
        lock.withLock { stopped = true }
        group.wait()
    }

    private func timed(_ method: HTTPMethod, _ url: String, _ body: [String: any Sendable]?, token: String? = nil)
        -> (Int, [String: Any])?
    {
        let started = Date()
        do {
            let result = try Self.request(method, url, body, token: token)
            lock.withLock { latencies.append((started, Date().timeIntervalSince(started) * 1000)) }
            if result.0 >= 500 { lock.withLock { failures.append("\(method) \(url) → \(result.0) \(result.1)") } }
            return result
        } catch {
            lock.withLock { failures.append("\(method) \(url): \(error)") }
            return nil
        }
    }

    /// Every shopper's password.
    static let password = "Kestrel-Umber-4417"

    private func run(url: String, seed: Int, products: Int, pauseMs: Int) {
        let email = "load-\(seed)-\(UUID().uuidString.prefix(6))@example.org"
        guard
            let (status, customer) = timed(
                .POST, url + "/customers", ["email": email, "name": "Load \(seed)", "password": Self.password]),
            status == 201, let customerID = customer["id"] as? Int,
            let (signedIn, session) = timed(.POST, url + "/sessions", ["email": email, "password": Self.password]),
            signedIn == 201, let token = session["token"] as? String
        else { return }
        var n = seed
        while !isStopped {
            n += 7
            guard let (cartStatus, cart) = timed(.POST, url + "/carts", ["customer_id": customerID], token: token), cartStatus == 201,
                let cartID = cart["id"] as? Int
            else { continue }
            let product = 1 + n % products
            guard
                let (itemStatus, _) = timed(
                    .PUT, url + "/carts/\(cartID)/items", ["product_id": product, "quantity": 1], token: token)
            else { continue }
            if itemStatus != 200 {
                lock.withLock { refusals += 1 }
                continue
            }
            guard
                let (checkoutStatus, order) = timed(
                    .POST, url + "/carts/\(cartID)/checkout", ["customer_id": customerID, "payment_method": "card"],
                    token: token)
            else { continue }
            if checkoutStatus == 201, let id = order["id"] as? Int {
                lock.withLock { orders.append(id) }
            } else if checkoutStatus == 409 {
                lock.withLock { refusals += 1 }
            }
            if pauseMs > 0 { usleep(UInt32(pauseMs * 1000)) }
        }
    }

    /// The slowest request that started in `window`.
    func maxLatency(in window: ClosedRange<Date>) -> Double {
        lock.withLock { latencies.filter { window.contains($0.0) }.map(\.1).max() ?? 0 }
    }

    static func request(
        _ method: HTTPMethod, _ url: String, _ body: [String: any Sendable]?, key: String? = nil, token: String? = nil
    ) throws -> (Int, [String: Any]) {
        var headers = HTTPHeaders([("Accept", "application/json")])
        if let key { headers.add(name: "X-API-Key", value: key) }
        if let token { headers.add(name: "Authorization", value: "Bearer " + token) }
        var requestBody: HTTPClient.Body?
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            requestBody = .data(try JSONSerialization.data(withJSONObject: body))
        }
        let request = try HTTPClient.Request(url: url, method: method, headers: headers, body: requestBody)
        let response = try HTTPClient.shared.execute(request: request, deadline: .now() + .seconds(40)).wait()
        let data = response.body.map { Data(buffer: $0) } ?? Data()
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }
}
