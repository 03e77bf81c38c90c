import FluentKit
import Foundation
import Hummingbird
import MariaDB

/// Every error the API returns has this body: `{"error": {"code": "…", "message": "…", "field": "…"}}`.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var field: String?
    public var retryAfterSeconds: Int?
    /// `WWW-Authenticate` of a `401`: how to authenticate.
    public var challenge: String?

    public init(
        _ status: HTTPResponse.Status, code: String, _ message: String, field: String? = nil,
        retryAfterSeconds: Int? = nil, challenge: String? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retryAfterSeconds = retryAfterSeconds
        self.challenge = challenge
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let field: String?
        }
        let error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(Body(error: .init(code: code, message: message, field: field)))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if let challenge { headers[.wwwAuthenticate] = challenge }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_field", message, field: field)
    }
    static func notFound(_ what: String) -> APIError { APIError(.notFound, code: "not_found", "\(what) not found") }
}

/// Turns every error into the API's error body: known errors keep their meaning, database overload (an
/// exhausted pool, or lock contention that outlasted the retries) becomes `503` with `Retry-After`,
/// anything else a `500` without internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch is PoolError {
            return try APIError(
                .serviceUnavailable, code: "overloaded", "the database is busy; retry shortly", retryAfterSeconds: 1
            )
            .response(from: request, context: context)
        } catch  where TransactionRetry.isRetryable(error) {
            context.logger.warning("database contention outlasted the retries", metadata: ["error": "\(error)"])
            return try APIError(
                .serviceUnavailable, code: "busy", "the database is busy; retry shortly",
                retryAfterSeconds: 1
            ).response(from: request, context: context)
        } catch let error as HTTPError {
            return try APIError(
                error.status, code: error.status.code == 404 ? "not_found" : "http_error",
                error.body ?? error.status.reasonPhrase
            )
            .response(from: request, context: context)
        } catch  where FencedWrite.matches(error) {
            context.logger.error("a write reached the fenced SQLite file", metadata: ["error": "\(error)"])
            return try APIError(
                .serviceUnavailable, code: "database_fenced",
                "this instance's database moved; the write was refused and nothing changed: retry shortly",
                retryAfterSeconds: 1
            ).response(from: request, context: context)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            return try APIError(
                .conflict, code: "conflict", "the change conflicts with existing data (a unique or referenced value)"
            )
            .response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return try APIError(.internalServerError, code: "internal", "internal error").response(
                from: request, context: context)
        }
    }
}
