/// Prepared statements kept per connection, least recently used evicted first.
struct StatementCache {
    let capacity: Int
    private var entries: [String: PreparedStatement] = [:]
    /// The statement used last. A connection often runs the same statement many times in a row, and
    /// comparing the SQL with one string is far cheaper than hashing it for the dictionary.
    private var last: PreparedStatement?
    private var clock: UInt64 = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func get(_ sql: String) -> PreparedStatement? {
        clock &+= 1
        let now = clock
        if let last, last.sql == sql {
            last.lastUse = now
            return last
        }
        guard let statement = entries[sql] else { return nil }
        statement.lastUse = now
        last = statement
        return statement
    }

    mutating func insert(_ statement: PreparedStatement) {
        guard capacity > 0 else { return }
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            remove(oldest)
        }
        clock &+= 1
        statement.lastUse = clock
        entries[statement.sql] = statement
        last = statement
    }

    mutating func remove(_ sql: String) {
        if last?.sql == sql { last = nil }
        entries.removeValue(forKey: sql)?.close()
    }

    mutating func removeAll() {
        last = nil
        for statement in entries.values { statement.close() }
        entries.removeAll()
    }

    var count: Int { entries.count }
}
