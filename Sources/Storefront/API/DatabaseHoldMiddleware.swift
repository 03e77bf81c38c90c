import Hummingbird

/// Pins each request to the database that is current when it arrives (after the write gate let it through):
/// a switch during the request leaves it on that database, and that database stays open until the response
/// is produced.
struct DatabaseHoldMiddleware<Context: RequestContext>: RouterMiddleware {
    let databases: DatabaseSwitch

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let hold = databases.hold()
        defer { databases.release(hold) }
        return try await DatabaseSwitch.$requestHold.withValue(hold) { try await next(request, context) }
    }
}
