/// Prepared statements kept per connection, least recently used evicted first.
struct StatementCache {
    let capacity: Int
    private var entries: [String: PreparedStatement] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func get(_ sql: String) -> PreparedStatement? {
        clock &+= 1
        let now = clock
        // One hash lookup per query: the hot path of every prepared execution.
        guard let statement = entries[sql] else { return nil }
        statement.lastUse = now
        return statement
    }

    mutating func insert(_ statement: PreparedStatement) {
        guard capacity > 0 else { return }
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries.removeValue(forKey: oldest)?.close()
        }
        clock &+= 1
        statement.lastUse = clock
        entries[statement.sql] = statement
    }

    mutating func remove(_ sql: String) {
        entries.removeValue(forKey: sql)?.close()
    }

    mutating func removeAll() {
        for statement in entries.values { statement.close() }
        entries.removeAll()
    }

    var count: Int { entries.count }
}
