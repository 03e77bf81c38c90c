import CMariaDB

/// `MYSQL_BIND` array and value memory for one execution's parameters. Freed by `release()` right after
/// the execute call; Connector/C reads parameter memory only during `mysql_stmt_execute`.
struct ParameterBuffers {
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let count: Int
    private var allocations: [UnsafeMutableRawPointer] = []

    init(_ values: [MariaDBValue]) {
        count = max(values.count, 1)
        binds = .allocate(capacity: count)
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        for (index, value) in values.enumerated() { bind(value, at: index) }
    }

    func release() {
        for allocation in allocations { allocation.deallocate() }
        binds.deinitialize(count: count)
        binds.deallocate()
    }

    private mutating func store<T>(_ value: T) -> UnsafeMutableRawPointer {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
        memory.storeBytes(of: value, as: T.self)
        allocations.append(memory)
        return memory
    }

    private mutating func store(bytes: some Collection<UInt8>) -> (UnsafeMutableRawPointer, Int) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        _ = UnsafeMutableRawBufferPointer(start: memory, count: bytes.count).copyBytes(from: bytes)
        allocations.append(memory)
        return (memory, bytes.count)
    }

    private mutating func bind(_ value: MariaDBValue, at index: Int) {
        var bind = MYSQL_BIND()
        switch value {
        case .null:
            bind.buffer_type = MYSQL_TYPE_NULL
        case .int(let v):
            bind.buffer_type = MYSQL_TYPE_LONGLONG
            bind.buffer = store(v)
        case .uint(let v):
            bind.buffer_type = MYSQL_TYPE_LONGLONG
            bind.buffer = store(v)
            bind.is_unsigned = 1
        case .double(let v):
            bind.buffer_type = MYSQL_TYPE_DOUBLE
            bind.buffer = store(v)
        case .decimal(let d):
            bind.buffer_type = MYSQL_TYPE_NEWDECIMAL
            (bind.buffer, bind.buffer_length) = storeText(d.text.utf8)
        case .string(let s), .json(let s):
            bind.buffer_type = MYSQL_TYPE_STRING
            (bind.buffer, bind.buffer_length) = storeText(s.utf8)
        case .bytes(let b):
            bind.buffer_type = MYSQL_TYPE_BLOB
            (bind.buffer, bind.buffer_length) = storeText(b)
        case .date(let d):
            bind.buffer_type = MYSQL_TYPE_DATE
            bind.buffer = store(Self.mysqlTime(d, type: MYSQL_TIMESTAMP_DATE))
        case .datetime(let d):
            bind.buffer_type = MYSQL_TYPE_DATETIME
            bind.buffer = store(Self.mysqlTime(d, type: MYSQL_TIMESTAMP_DATETIME))
        case .time(let t):
            bind.buffer_type = MYSQL_TYPE_TIME
            var time = MYSQL_TIME()
            // The binary protocol carries days and hours < 24 separately; 838 hours would wrap in one byte.
            time.day = UInt32(t.hours / 24)
            time.hour = UInt32(t.hours % 24)
            time.minute = UInt32(t.minutes)
            time.second = UInt32(t.seconds)
            time.second_part = UInt(t.microseconds)
            time.neg = t.isNegative ? 1 : 0
            time.time_type = MYSQL_TIMESTAMP_TIME
            bind.buffer = store(time)
        }
        binds[index] = bind
    }

    private mutating func storeText(_ bytes: some Collection<UInt8>) -> (UnsafeMutableRawPointer, UInt) {
        let (memory, length) = store(bytes: bytes)
        return (memory, UInt(length))
    }

    static func mysqlTime(_ d: MariaDBDateTime, type: enum_mysql_timestamp_type) -> MYSQL_TIME {
        var time = MYSQL_TIME()
        time.year = UInt32(clamping: d.year)
        time.month = UInt32(clamping: d.month)
        time.day = UInt32(clamping: d.day)
        time.hour = UInt32(clamping: d.hour)
        time.minute = UInt32(clamping: d.minute)
        time.second = UInt32(clamping: d.second)
        time.second_part = UInt(clamping: d.microsecond)
        time.time_type = type
        return time
    }
}
