import FluentKit
import Foundation
import Hummingbird

/// Sign-in and sign-out: `POST /sessions` gives a bearer token, `DELETE /sessions/current` ends it.
struct SessionRoutes {
    let app: StorefrontServices

    func register(on router: Router<ShopRequestContext>) {
        router.post("/sessions") { request, context in
            let body = try await request.decodeStrict(NewSession.self, context: context)
            let session = try await app.auth.signIn(
                email: body.email, password: body.password, request, context,
                on: app.database(context))
            let answer = SessionDTO(
                token: session.token, expires_at: iso(session.expiresAt),
                customer_id: session.customerID)
            return EditedResponse(status: .created, headers: [.cacheControl: "no-store"], response: answer)
        }
        router.delete("/sessions/current") { request, context -> Response in
            try await app.auth.signOut(request, context, on: app.database(context))
            return Response(status: .noContent)
        }
    }
}
