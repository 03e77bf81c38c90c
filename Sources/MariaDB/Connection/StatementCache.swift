/// Prepared statements kept per connection, least recently used evicted first.
struct StatementCache {
    let capacity: Int
    private var entries: [String: PreparedStatement] = [:]
    private var clock: UInt64 = 0
    private var lastUse: [String: UInt64] = [:]

    init(capacity: Int) { self.capacity = capacity }

    mutating func get(_ sql: String) -> PreparedStatement? {
        guard let statement = entries[sql] else { return nil }
        clock += 1
        lastUse[sql] = clock
        return statement
    }

    mutating func insert(_ statement: PreparedStatement) {
        guard capacity > 0 else { return }
        if entries.count >= capacity, let oldest = lastUse.min(by: { $0.value < $1.value })?.key {
            entries.removeValue(forKey: oldest)?.close()
            lastUse.removeValue(forKey: oldest)
        }
        clock += 1
        entries[statement.sql] = statement
        lastUse[statement.sql] = clock
    }

    mutating func remove(_ sql: String) {
        entries.removeValue(forKey: sql)?.close()
        lastUse.removeValue(forKey: sql)
    }

    mutating func removeAll() {
        for statement in entries.values { statement.close() }
        entries.removeAll()
        lastUse.removeAll()
    }

    var count: Int { entries.count }
}
