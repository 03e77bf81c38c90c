import AuditTrail
import Crypto
import FluentKit
import Foundation
import Hummingbird
import Logging
import NIOPosix

/// Sign-up, sign-in, sign-out and "who is calling": customers' passwords, bearer sessions and the rate limits
/// that protect them.
public struct CustomerAuth: Sendable {
    let hasher: PasswordHasher
    let sessionTTL: Duration
    let limits: RateLimits
    let limiter: RateLimiter
    let addresses: ClientAddress
    let audit: AuditLog?
    let pii: PIICodec

    init(configuration: StorefrontConfiguration, pool: NIOThreadPool, audit: AuditLog?) {
        pii = configuration.pii
        self.audit = audit
        hasher = PasswordHasher(cost: configuration.passwordHashCost, pool: pool)
        sessionTTL = configuration.sessionTTL
        limits = configuration.rateLimits
        limiter = RateLimiter()
        addresses = ClientAddress(trustedProxies: Set(configuration.trustedProxies))
    }

    /// The signed-in customer's id, from the request's bearer token; `401` without a valid, unexpired one.
    func customerID(_ request: Request, _ context: ShopRequestContext, on db: any Database) async throws -> Int {
        guard let token = SessionToken.bearer(in: request.headers[.authorization]) else {
            throw APIError(
                .unauthorized, code: "unauthorized",
                "sign in first: send Authorization: Bearer <token> from POST /sessions",
                challenge: #"Bearer realm="storefront""#)
        }
        let session = try await CustomerSession.query(on: db)
            .filter(\.$tokenHash == SessionToken.digest(token)).filter(\.$expiresAt > Date()).first()
        guard let session else {
            throw APIError(
                .unauthorized, code: "invalid_token", "the bearer token is unknown, expired or signed out",
                challenge: #"Bearer realm="storefront", error="invalid_token""#)
        }
        return session.$customer.id
    }

    /// Checks and counts an account creation from the request's address; `429` over the limit.
    func admitSignUp(_ request: Request, _ context: ShopRequestContext) throws {
        let key = "signup " + addresses.of(request, context)
        if let wait = limiter.retryAfter(key, limits.signUpsPerAddress) {
            let client = addresses.of(request, context)
            context.logger.notice(
                "sign-up refused by rate limit",
                metadata: [
                    "event": "signup_limited",
                    "client": "\(client)",
                ])
            audit?.record(
                actor: "anonymous", action: "customer.create", outcome: "limited", client: client,
                requestID: context.id, logger: context.logger)
            throw APIError(
                .tooManyRequests, code: "too_many_requests", "too many accounts created from this address",
                retryAfterSeconds: wait)
        }
        limiter.record(key, limits.signUpsPerAddress)
    }

    struct Session {
        let token: String
        let expiresAt: Date
        let customerID: Int
    }

    /// Signs in: a new session for the right email and password. Every failure is the same `401` (it does not
    /// tell whether the email exists), is logged without the password and counts against the account and the
    /// address; an account past its failure limit is locked for the rest of the window.
    func signIn(
        email: String, password: String, _ request: Request, _ context: ShopRequestContext,
        on db: any Database
    ) async throws -> Session {
        let client = addresses.of(request, context)
        let addressKey = "signin " + client
        if let wait = limiter.retryAfter(addressKey, limits.signInAttemptsPerAddress) {
            log(context, "signin_limited", client: client, customer: nil, reason: "address over its attempt limit")
            throw APIError(
                .tooManyRequests, code: "too_many_requests", "too many sign-in attempts from this address",
                retryAfterSeconds: wait)
        }
        limiter.record(addressKey, limits.signInAttemptsPerAddress)
        let normalized = Customer.normalizedEmail(email)
        // Keyed by a digest of the email, so unknown emails lock out exactly like known ones.
        let accountKey =
            "account "
            + SHA256.hash(data: Data(normalized.utf8)).map { String(format: "%02x", $0) }
            .joined()
        let customer = try await Customer.find(email: normalized, pii: pii, on: db)
        if let wait = limiter.retryAfter(accountKey, limits.signInFailuresPerAccount) {
            log(context, "signin_locked", client: client, customer: customer?.id, reason: "account locked")
            throw APIError(
                .tooManyRequests, code: "account_locked",
                "too many failed sign-ins for this account; try again later", retryAfterSeconds: wait)
        }
        guard try await hasher.verify(password, hash: customer?.passwordHash), let customer,
            let id = customer.id
        else {
            limiter.record(accountKey, limits.signInFailuresPerAccount)
            let reason =
                customer == nil ? "unknown email" : customer?.passwordHash == nil ? "no password" : "wrong password"
            log(context, "signin_failed", client: client, customer: customer?.id, reason: reason)
            throw APIError(.unauthorized, code: "invalid_credentials", "the email or the password is wrong")
        }
        limiter.reset(accountKey)
        let token = SessionToken.generate()
        let now = Date()
        let expiresAt = now.addingTimeInterval(TimeInterval(sessionTTL.components.seconds))
        try await CustomerSession.query(on: db).filter(\.$customer.$id == id).filter(\.$expiresAt <= now).delete()
        try await CustomerSession(customerID: id, tokenHash: SessionToken.digest(token), expiresAt: expiresAt)
            .create(on: db)
        context.logger.info("signed in", metadata: ["event": "signin", "customer_id": "\(id)", "client": "\(client)"])
        audit?.record(
            actor: "customer:\(id)", action: "signin", object: "customer:\(id)", outcome: "ok",
            client: client, requestID: context.id, logger: context.logger)
        return Session(token: token, expiresAt: expiresAt, customerID: id)
    }

    /// Ends the session of the request's token.
    func signOut(_ request: Request, _ context: ShopRequestContext, on db: any Database) async throws {
        let id = try await customerID(request, context, on: db)
        guard let token = SessionToken.bearer(in: request.headers[.authorization]) else { return }
        try await CustomerSession.query(on: db).filter(\.$tokenHash == SessionToken.digest(token)).delete()
        context.logger.info("signed out", metadata: ["event": "signout", "customer_id": "\(id)"])
        audit?.record(
            actor: "customer:\(id)", action: "signout", object: "customer:\(id)", outcome: "ok",
            client: addresses.of(request, context), requestID: context.id, logger: context.logger)
    }

    /// A customer created: in the audit log.
    func recordSignUp(_ id: Int, _ request: Request, _ context: ShopRequestContext) {
        audit?.record(
            actor: "anonymous", action: "customer.create", object: "customer:\(id)", outcome: "ok",
            client: addresses.of(request, context), requestID: context.id, logger: context.logger)
    }

    private func log(_ context: ShopRequestContext, _ event: String, client: String, customer: Int?, reason: String) {
        audit?.record(
            actor: "anonymous", action: "signin", object: customer.map { "customer:\($0)" } ?? "",
            outcome: event == "signin_failed"
                ? "failed: \(reason)"
                : event == "signin_locked"
                    ? "locked"
                    : "limited",
            client: client, requestID: context.id, logger: context.logger)
        context.logger.notice(
            "sign-in refused",
            metadata: [
                "event": "\(event)", "client": "\(client)", "customer_id": "\(customer.map(String.init) ?? "none")",
                "reason": "\(reason)",
            ])
    }
}
