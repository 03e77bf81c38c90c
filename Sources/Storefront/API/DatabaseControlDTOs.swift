import Foundation
import Hummingbird

/// `GET /admin/database` and the answer of every control route: the database in use and the write gate.
/// Absent values are written as `null`, never left out, so a client reads one fixed shape.
struct DatabaseStatusDTO: ResponseEncodable, Sendable {
    let backend: String
    let database: String
    let generation: Int
    let frozen: Bool
    let leaseRemainingMilliseconds: Int?
    let writesInFlight: Int
    let writesWaiting: Int
    let lastPauseMilliseconds: Double?
    let pauses: Int
    let leaseExpiries: Int
    /// Only in the answer to a freeze: how long the writes in flight took to finish.
    var drainedMilliseconds: Double?
    /// Only in the answer to a thaw: how long this pause lasted (0 when the gate was open already).
    var pausedMilliseconds: Double?

    init(database: StorefrontDatabase, generation: Int, gate: WriteGate.Status) {
        backend = database.kind.rawValue
        self.database = database.location
        self.generation = generation
        frozen = gate.frozen
        // Rounded up: a lease with 0.4 ms left is still held.
        leaseRemainingMilliseconds = gate.leaseRemaining.map { Int(milliseconds($0).rounded(.up)) }
        writesInFlight = gate.writesInFlight
        writesWaiting = gate.writesWaiting
        lastPauseMilliseconds = gate.lastPause.map(milliseconds)
        pauses = gate.pauses
        leaseExpiries = gate.leaseExpiries
    }

    enum CodingKeys: String, CodingKey {
        case backend, database, generation, frozen, pauses
        case leaseRemainingMilliseconds = "lease_remaining_ms", writesInFlight = "writes_in_flight"
        case writesWaiting = "writes_waiting", lastPauseMilliseconds = "last_pause_ms"
        case leaseExpiries = "lease_expiries", drainedMilliseconds = "drained_ms", pausedMilliseconds = "paused_ms"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(backend, forKey: .backend)
        try container.encode(database, forKey: .database)
        try container.encode(generation, forKey: .generation)
        try container.encode(frozen, forKey: .frozen)
        try container.encode(leaseRemainingMilliseconds, forKey: .leaseRemainingMilliseconds)
        try container.encode(writesInFlight, forKey: .writesInFlight)
        try container.encode(writesWaiting, forKey: .writesWaiting)
        try container.encode(lastPauseMilliseconds, forKey: .lastPauseMilliseconds)
        try container.encode(pauses, forKey: .pauses)
        try container.encode(leaseExpiries, forKey: .leaseExpiries)
        try container.encodeIfPresent(drainedMilliseconds, forKey: .drainedMilliseconds)
        try container.encodeIfPresent(pausedMilliseconds, forKey: .pausedMilliseconds)
    }
}

struct FreezeRequest: StrictBody {
    let lease_ms: Int?
    let drain_timeout_ms: Int?
    static let fields: Set<String> = ["lease_ms", "drain_timeout_ms"]
}

struct SwitchRequest: StrictBody {
    let url: String
    let password_file: String?
    let replica_urls: [String]?
    static let fields: Set<String> = ["url", "password_file", "replica_urls"]
}

struct ThawRequest: StrictBody {
    static let fields: Set<String> = []
}
