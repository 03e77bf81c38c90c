import Foundation
import MariaDB

/// Runs a `RolesPlan`'s statements in order. New accounts' password files are written (0600, by rename)
/// before the account is created, so a failure leaves at worst a file that the next plan reuses.
public struct RolesApplier: Sendable {
    public let admin: MariaDBConfiguration

    public init(admin: MariaDBConfiguration) { self.admin = admin }

    public func apply(_ plan: RolesPlan, progress: @Sendable (String) -> Void = { _ in }) async throws {
        for secret in plan.newSecrets {
            try CredentialRotation.writePasswordFile(secret.file, password: secret.password)
            progress("wrote a new password to \(secret.file) (0600)")
        }
        let connection: MariaDBConnection
        do { connection = try await MariaDBConnection.connect(admin) } catch {
            throw SecurityError(.server, "cannot connect to \(admin.endpoint) as \(admin.username): \(error)")
        }
        do {
            for step in plan.steps {
                do { _ = try await connection.execute(MariaDBQuery(unsafeSQL: step.sql)) } catch {
                    let cause = PasswordHashRefusal.explain(error) ?? "\(error)"
                    throw SecurityError(
                        .server, "\(step.subject): `\(step.shown)` failed on \(admin.endpoint): \(cause)")
                }
                progress(step.shown)
            }
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
