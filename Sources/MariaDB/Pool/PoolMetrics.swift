import CoreMetrics

/// The pool's metrics, with OpenTelemetry database-client names and one bounded dimension (`pool.name`).
struct PoolMetrics: Sendable {
    let used: Gauge
    let idle: Gauge
    let pending: Gauge
    let maximum: Gauge
    let waitTime: CoreMetrics.Timer
    let timeouts: Counter
    let created: Counter
    let closed: Counter
    let validationFailures: Counter

    init(name: String, maximum: Int) {
        let pool = [("pool.name", name)]
        used = Gauge(label: "db.client.connection.count", dimensions: pool + [("state", "used")])
        idle = Gauge(label: "db.client.connection.count", dimensions: pool + [("state", "idle")])
        pending = Gauge(label: "db.client.connection.pending_requests", dimensions: pool)
        self.maximum = Gauge(label: "db.client.connection.max", dimensions: pool)
        waitTime = CoreMetrics.Timer(label: "db.client.connection.wait_time", dimensions: pool, preferredDisplayUnit: .seconds)
        timeouts = Counter(label: "db.client.connection.timeouts", dimensions: pool)
        created = Counter(label: "db.client.connection.created", dimensions: pool)
        closed = Counter(label: "db.client.connection.closed", dimensions: pool)
        validationFailures = Counter(label: "db.client.connection.validation_failures", dimensions: pool)
        self.maximum.record(maximum)
    }
}
