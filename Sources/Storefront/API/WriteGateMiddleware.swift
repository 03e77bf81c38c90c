import Hummingbird

/// Sends write requests through the `WriteGate`: methods other than GET, HEAD and OPTIONS, except the database
/// control routes (which must reach a frozen shop) and health checks. A write that waited longer than
/// `maxWait` answers `503 write_frozen` with `Retry-After`.
struct WriteGateMiddleware<Context: RequestContext>: RouterMiddleware {
    let gate: WriteGate
    let maxWait: Duration

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.isWrite(method: request.method, path: request.uri.path) else {
            return try await next(request, context)
        }
        guard await gate.enter(maxWait: maxWait) else {
            throw APIError(.serviceUnavailable, code: "write_frozen",
                           "writes are paused while the shop switches databases; retry shortly", retryAfterSeconds: 1)
        }
        defer { gate.leave() }
        return try await next(request, context)
    }

    static func isWrite(method: HTTPRequest.Method, path: String) -> Bool {
        if method == .get || method == .head || method == .options { return false }
        for exempt in ["/admin/database", "/health"] where path == exempt || path.hasPrefix(exempt + "/") {
            return false
        }
        return true
    }
}
