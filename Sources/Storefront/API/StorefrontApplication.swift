import FluentKit
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// Builds the HTTP application: routes, error handling, metrics by route template, health, OpenAPI.
public enum StorefrontApplication {
    public static func router(services: StorefrontServices) -> Router<ShopRequestContext> {
        let router = Router(context: ShopRequestContext.self)
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(LogRequestsMiddleware(.debug))
        // The gate before the hold: a write that waited at the gate runs on the database current when it opens.
        router.middlewares.add(
            WriteGateMiddleware(
                gate: services.writeGate,
                maxWait: services.configuration.writeGateMaxWait))
        router.middlewares.add(DatabaseHoldMiddleware(databases: services.databases))
        CatalogRoutes(app: services).register(on: router)
        ShopRoutes(app: services).register(on: router)
        SessionRoutes(app: services).register(on: router)
        AdminRoutes(app: services).register(on: router)
        DatabaseControlRoutes(app: services).register(on: router)
        router.get("/health/live") { _, _ in ["status": "ok"] }
        router.get("/health/ready") { _, context -> Response in
            let db = services.db
            do {
                let current = try await db.migrationsAreCurrent()
                let body = ["status": current ? "ready" : "migrations_pending", "database": db.kind.rawValue]
                return try Self.json(body, status: current ? .ok : .serviceUnavailable)
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
                return try Self.json(
                    ["status": "database_unreachable", "database": db.kind.rawValue],
                    status: .serviceUnavailable)
            }
        }
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: StorefrontMetrics.registry.emitToBuffer())))
        }
        router.get("/openapi.yaml") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(bytes: Array(try OpenAPIDocument.text().utf8))))
        }
        return router
    }

    static func json(_ value: [String: String], status: HTTPResponse.Status) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
    }

    public static func application(services: StorefrontServices, host: String, port: Int, logger: Logger)
        -> some ApplicationProtocol
    {
        Application(
            router: router(services: services), configuration: .init(address: .hostname(host, port: port)),
            logger: logger)
    }
}

/// The process-wide Prometheus registry behind `/metrics`. Bootstrapped once, on first use.
public enum StorefrontMetrics {
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = NIOLockedValueBox(false)

    /// Points swift-metrics at the registry (dots in names become underscores for Prometheus).
    public static func bootstrap() {
        let first = bootstrapped.withLockedValue { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        var factory = PrometheusMetricsFactory(registry: registry)
        // Write pauses are meant to last milliseconds; the buckets reach the longest lease (60 s).
        factory.durationHistogramBuckets["storefront_write_gate_pause_seconds"] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        factory.nameAndLabelSanitizer = { name, labels in
            (sanitize(name), labels.map { (sanitize($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)
    }

    static func sanitize(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
    }
}

/// `openapi.yaml`, shipped as a resource and also at the repository root (a test keeps both identical).
public enum OpenAPIDocument {
    public static func text() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw APIError(.internalServerError, code: "internal", "openapi.yaml resource missing")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
