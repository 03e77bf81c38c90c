import Foundation
import HummingbirdBcrypt
import NIOCore
import NIOPosix

/// bcrypt on a thread pool of its own: one hash at cost 12 takes a few hundred milliseconds of CPU, which must
/// not block the event loops that serve other requests.
struct PasswordHasher: Sendable {
    /// One pool for the process, as many threads as cores, started on first use and never stopped (like NIO's
    /// own singletons): every shop in the process shares it.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount))
        pool.start()
        return pool
    }()

    let cost: Int
    let pool: NIOThreadPool

    /// A hash of a password nobody has, verified against when the account does not exist, so an unknown email
    /// costs the same time as a wrong password and timing does not tell which accounts exist.
    private let decoy: String

    init(cost: Int, pool: NIOThreadPool) {
        self.cost = cost
        self.pool = pool
        decoy = Bcrypt.hash(UUID().uuidString, cost: UInt8(cost))
    }

    func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        return try await pool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (no such account, or an account without a password) the
    /// decoy is checked instead and the answer is `false`.
    func verify(_ password: String, hash: String?) async throws -> Bool {
        let decoy = decoy
        return try await pool.runIfActive {
            guard let hash else {
                _ = Bcrypt.verify(password, hash: decoy)
                return false
            }
            return Bcrypt.verify(password, hash: hash)
        }
    }
}
