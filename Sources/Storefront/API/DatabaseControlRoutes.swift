import Foundation
import Hummingbird
import Logging

/// The database control API behind `X-API-Key`: freeze writes, switch databases, thaw. A cut-over tool drives
/// every instance of the shop through it (docs/database-control.md).
struct DatabaseControlRoutes {
    let app: StorefrontServices
    static let leaseRange = 100...60_000
    static let drainTimeoutRange = 0...60_000

    func register(on router: Router<ShopRequestContext>) {
        let control = router.group("admin/database")
            .add(middleware: app.adminMiddleware(.database))
        control.get { _, _ in status() }
        control.post("freeze") { request, context in try await freeze(request, context) }
        control.post("switch") { request, context in try await switchDatabase(request, context) }
        control.post("thaw") { request, context in
            _ = try await request.decodeStrict(ThawRequest.self, context: context, emptyMeansDefaults: true)
            let pause = app.writeGate.thaw()
            if let pause {
                context.logger.info("writes thawed", metadata: ["paused_ms": "\(milliseconds(pause))"])
            }
            var answer = status()
            answer.pausedMilliseconds = pause.map(milliseconds) ?? 0
            return answer
        }
    }

    func status() -> DatabaseStatusDTO {
        let (database, generation) = app.databases.snapshot
        return DatabaseStatusDTO(database: database, generation: generation, gate: app.writeGate.status)
    }

    func freeze(_ request: Request, _ context: ShopRequestContext) async throws -> DatabaseStatusDTO {
        let body = try await request.decodeStrict(FreezeRequest.self, context: context, emptyMeansDefaults: true)
        let lease = try Validate.range(body.lease_ms ?? 5_000, "lease_ms", Self.leaseRange)
        let drainTimeout = try Validate.range(
            body.drain_timeout_ms ?? 2_000, "drain_timeout_ms",
            Self.drainTimeoutRange)
        switch await app.writeGate.freeze(lease: .milliseconds(lease), drainTimeout: .milliseconds(drainTimeout)) {
        case .frozen(let drained):
            context.logger.info(
                "writes frozen",
                metadata: ["lease_ms": "\(lease)", "drained_ms": "\(milliseconds(drained))"])
            var answer = status()
            answer.drainedMilliseconds = milliseconds(drained)
            return answer
        case .drainTimedOut(let inFlight):
            throw APIError(
                .conflict, code: "drain_timeout",
                "\(inFlight) write request(s) still in flight after "
                    + "\(drainTimeout) ms; writes are open again")
        case .openedWhileDraining:
            throw APIError(
                .conflict, code: "not_frozen",
                "writes were thawed (or the lease ran out) before the writes in flight finished")
        }
    }

    func switchDatabase(_ request: Request, _ context: ShopRequestContext) async throws -> DatabaseStatusDTO {
        let body = try await request.decodeStrict(SwitchRequest.self, context: context)
        let target = try SwitchTarget(
            url: body.url, passwordFile: body.password_file,
            replicaURLs: body.replica_urls ?? [], running: app.configuration)
        guard app.writeGate.status.frozen else { throw Self.notFrozen }
        let database = try await target.open()
        // Checked again at the moment of the swap: the lease may have run out while the new database was checked.
        guard let generation = app.writeGate.whileFrozen({ app.databases.replace(with: database) }) else {
            await database.shutdown()
            throw Self.notFrozen
        }
        app.cache.invalidateAll()
        context.logger.notice(
            "database switched",
            metadata: [
                "backend": "\(database.kind.rawValue)", "database": "\(database.location)",
                "generation": "\(generation)",
            ])
        return status()
    }

    static let notFrozen = APIError(
        .conflict, code: "not_frozen",
        "writes are not frozen: POST /admin/database/freeze first, and switch within the lease")
}
