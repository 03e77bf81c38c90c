import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A running storefront instance and its admin key (the key comes from a file, never a command line).
public struct AppInstance: Sendable {
    public var url: String
    public var key: String
    public init(url: String, key: String) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.key = key
    }
}

/// What an instance reports about its database (`GET /admin/database` and the answers of the other calls).
public struct AppDatabaseState: Sendable, Codable {
    public var backend: String
    public var database: String
    public var generation: Int
    public var frozen: Bool
    public var lease_remaining_ms: Int?
    public var writes_in_flight: Int
    public var writes_waiting: Int
    public var last_pause_ms: Double?
    public var pauses: Int?
    public var lease_expiries: Int?
    public var drained_ms: Double?
    public var paused_ms: Double?
}

/// The storefront's database control API, called from plain threads (the cut-over is a blocking sequence
/// with a time budget; every call has a deadline).
public struct AppControl: Sendable {
    public let apps: [AppInstance]
    public init(apps: [AppInstance]) { self.apps = apps }

    public func state(_ app: AppInstance, timeoutMs: Int = 2_000) throws -> AppDatabaseState {
        try call(app, .GET, "/admin/database", body: nil, timeoutMs: timeoutMs)
    }

    public func freeze(_ app: AppInstance, leaseMs: Int, drainTimeoutMs: Int) throws -> AppDatabaseState {
        try call(
            app, .POST, "/admin/database/freeze", body: ["lease_ms": leaseMs, "drain_timeout_ms": drainTimeoutMs],
            timeoutMs: drainTimeoutMs + 1_000)
    }

    public func switchDatabase(
        _ app: AppInstance, url: String, passwordFile: String?, timeoutMs: Int
    ) throws -> AppDatabaseState {
        var body: [String: any Sendable] = ["url": url]
        if let passwordFile { body["password_file"] = passwordFile }
        return try call(app, .POST, "/admin/database/switch", body: body, timeoutMs: timeoutMs)
    }

    public func thaw(_ app: AppInstance) throws -> AppDatabaseState {
        try call(app, .POST, "/admin/database/thaw", body: [:], timeoutMs: 2_000)
    }

    /// Runs `body` for every instance at once; the results in instance order, or the first error.
    public func onAll<T: Sendable>(_ body: @escaping @Sendable (AppInstance) throws -> T) -> [Result<T, any Error>] {
        let results = ResultSlots<T>(count: apps.count)
        let group = DispatchGroup()
        for (index, app) in apps.enumerated() {
            group.enter()
            Thread.detachNewThread {
                results.set(index, Result { try body(app) })
                group.leave()
            }
        }
        group.wait()
        return results.values
    }

    func call(
        _ app: AppInstance, _ method: HTTPMethod, _ path: String, body: [String: any Sendable]?,
        timeoutMs: Int
    ) throws -> AppDatabaseState {
        var headers = HTTPHeaders([("X-API-Key", app.key), ("Accept", "application/json")])
        var requestBody: HTTPClient.Body?
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            requestBody = .data(try JSONSerialization.data(withJSONObject: body))
        }
        let request = try HTTPClient.Request(url: app.url + path, method: method, headers: headers, body: requestBody)
        let response: HTTPClient.Response
        do {
            response = try HTTPClient.shared.execute(
                request: request, deadline: .now() + .milliseconds(Int64(timeoutMs))
            ).wait()
        } catch {
            throw MigrationError("app \(app.url): \(method.rawValue) \(path) failed: \(error)")
        }
        let data = response.body.map { Data(buffer: $0) } ?? Data()
        guard (200..<300).contains(Int(response.status.code)) else {
            throw AppControlError(app: app.url, path: path, status: Int(response.status.code), body: data)
        }
        do {
            return try JSONDecoder().decode(AppDatabaseState.self, from: data)
        } catch {
            throw MigrationError(
                "app \(app.url): \(path) answered something other than the database control API (\(error))")
        }
    }
}

/// A non-2xx answer from an instance's control API: its status and error code.
public struct AppControlError: Error, CustomStringConvertible {
    public var app: String
    public var path: String
    public var status: Int
    public var code: String
    public var message: String

    init(app: String, path: String, status: Int, body: Data) {
        self.app = app
        self.path = path
        self.status = status
        let error = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["error"] as? [String: Any]
        code = error?["code"] as? String ?? "http_\(status)"
        message = error?["message"] as? String ?? String(decoding: body.prefix(200), as: UTF8.self)
    }

    public var description: String { "app \(app): \(path) answered \(status) \(code): \(message)" }
}

final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<T, any Error>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }
    var values: [Result<T, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
