import Logging
import NIOConcurrencyHelpers

/// The database the shop serves from, replaceable while requests run.
///
/// A request holds the database it started with until its response is produced (`hold`, `release`), so a
/// replacement never pulls a database out from under it; new requests get the new one. A replaced database is
/// shut down when its last holder lets go. `generation` counts replacements since the process started.
public final class DatabaseSwitch: Sendable {
    private struct State {
        var current: StorefrontDatabase
        var generation = 0
        /// Holders per database, current or replaced; a database without holders has no entry.
        var holders: [ObjectIdentifier: Int] = [:]
        /// Replaced databases that still have holders.
        var replaced: [ObjectIdentifier: StorefrontDatabase] = [:]
        /// Shut-downs started for replaced databases, awaited by `shutdown()`.
        var closing: [Task<Void, Never>] = []
    }

    private let state: NIOLockedValueBox<State>
    private let logger: Logger

    public init(_ database: StorefrontDatabase, logger: Logger = Logger(label: "storefront.db")) {
        state = NIOLockedValueBox(State(current: database))
        self.logger = logger
    }

    /// The database new requests get. Work that must not lose it to a replacement takes a `hold` instead.
    public var current: StorefrontDatabase { state.withLockedValue { $0.current } }

    public var generation: Int { state.withLockedValue { $0.generation } }

    /// The current database and its generation, read together.
    public var snapshot: (database: StorefrontDatabase, generation: Int) {
        state.withLockedValue { ($0.current, $0.generation) }
    }

    /// Replaced databases still waiting for their last request.
    public var replacedStillInUse: Int { state.withLockedValue { $0.replaced.count } }

    /// A claim on the current database: it stays open until `release`.
    public struct Hold: Sendable {
        public let database: StorefrontDatabase
        public let generation: Int
        /// Which switch it came from: tests run several shops in one process.
        let owner: ObjectIdentifier
    }

    /// The hold of the request this task serves (set by `DatabaseHoldMiddleware`). A task-local, so handlers,
    /// services and the catalog cache reach the request's database without it being passed through every call.
    @TaskLocal static var requestHold: Hold?

    /// The request's own database when this task serves a request of this shop, else the current one.
    var forThisTask: Hold? {
        guard let hold = Self.requestHold, hold.owner == ObjectIdentifier(self) else { return nil }
        return hold
    }

    public func hold() -> Hold {
        state.withLockedValue { state in
            state.holders[ObjectIdentifier(state.current), default: 0] += 1
            return Hold(database: state.current, generation: state.generation, owner: ObjectIdentifier(self))
        }
    }

    public func release(_ hold: Hold) {
        let id = ObjectIdentifier(hold.database)
        state.withLockedValue { state in
            let left = (state.holders[id] ?? 1) - 1
            state.holders[id] = left > 0 ? left : nil
            guard left <= 0, let database = state.replaced.removeValue(forKey: id) else { return }
            state.closing.append(Task { await database.shutdown() })
        }
    }

    /// Runs `body` with the current database held for its whole duration.
    public func withHold<T: Sendable>(_ body: (Hold) async throws -> T) async throws -> T {
        let hold = hold()
        defer { release(hold) }
        return try await body(hold)
    }

    /// Makes `database` current and returns the new generation. The one it replaces is shut down now if nothing
    /// holds it, otherwise when its last holder releases it.
    @discardableResult
    public func replace(with database: StorefrontDatabase) -> Int {
        state.withLockedValue { state in
            let old = state.current
            state.current = database
            state.generation += 1
            if state.holders[ObjectIdentifier(old)] == nil {
                state.closing.append(Task { await old.shutdown() })
            } else {
                state.replaced[ObjectIdentifier(old)] = old
            }
            return state.generation
        }
    }

    /// Shuts down the current database and every replaced one, at the end of the process (nothing may hold
    /// them any more).
    public func shutdown() async {
        let (current, replaced, closing) = state.withLockedValue { state in
            defer { state.replaced = [:]; state.closing = [] }
            return (state.current, Array(state.replaced.values), state.closing)
        }
        if !replaced.isEmpty {
            logger.warning("shutting down databases that requests still hold", metadata: ["count": "\(replaced.count)"])
        }
        for task in closing { await task.value }
        for database in replaced { await database.shutdown() }
        await current.shutdown()
    }
}
