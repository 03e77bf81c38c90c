import CMariaDB

/// Parameter memory of one prepared statement, kept for the statement's life.
///
/// Connector/C copies the `MYSQL_BIND` array in `mysql_stmt_bind_param` and reads each value through the
/// copied `buffer` and `length` pointers when the statement executes. So every parameter gets a fixed
/// slot (scalars, `MYSQL_TIME`) or a growable byte buffer (text, bytes, decimals) here, and executing again
/// with values of the same types only rewrites those slots: no allocation and no `mysql_stmt_bind_param`.
/// Binding anew costs more than the call: it makes Connector/C send the parameter types to the server again
/// and the server set up its conversions again, on every execution.
final class ParameterBuffers {
    let count: Int
    /// What Connector/C was last given; compared per execution to see whether it must be given anew.
    private let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let lengths: UnsafeMutablePointer<UInt>
    /// `count` slots of `slotSize` bytes for fixed-size values.
    private let slots: UnsafeMutableRawPointer
    /// Per parameter: variable-length memory (nil until first needed) and its capacity.
    private let texts: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let textCapacities: UnsafeMutablePointer<Int>
    private var isBound = false

    private static let slotSize = max(MemoryLayout<MYSQL_TIME>.stride, 8)
    private static let minimumTextCapacity = 64
    /// Larger variable-length memory is freed after each execution, so a cached statement that once bound
    /// a big BLOB does not hold that much memory for the life of the connection.
    private static let keptTextCapacity = 64 << 10

    init(count: Int) {
        self.count = count
        binds = .allocate(capacity: count)
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        lengths = .allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
        slots = .allocate(byteCount: count * Self.slotSize, alignment: 8)
        texts = .allocate(capacity: count)
        texts.initialize(repeating: nil, count: count)
        textCapacities = .allocate(capacity: count)
        textCapacities.initialize(repeating: 0, count: count)
    }

    deinit {
        for i in 0..<count { texts[i]?.deallocate() }
        binds.deinitialize(count: count); binds.deallocate()
        lengths.deallocate(); slots.deallocate(); texts.deallocate(); textCapacities.deallocate()
    }

    /// Stores `values` (one per placeholder) and registers them with `stmt` when their types or memory
    /// differ from what Connector/C already holds. Returns false when `mysql_stmt_bind_param` failed.
    func bind(_ values: [MariaDBValue], to stmt: UnsafeMutablePointer<MYSQL_STMT>) -> Bool {
        var changed = !isBound
        for (index, value) in values.enumerated() {
            if store(value, at: index) { changed = true }
        }
        guard changed else { return true }
        isBound = mysql_stmt_bind_param(stmt, binds) == 0
        return isBound
    }

    /// Frees variable-length memory above `keptTextCapacity`; call once Connector/C has sent the values.
    /// The next execution allocates anew, and a changed address makes `bind` register it again.
    func releaseLargeBuffers() {
        for i in 0..<count where textCapacities[i] > Self.keptTextCapacity {
            texts[i]?.deallocate()
            texts[i] = nil
            textCapacities[i] = 0
        }
    }

    /// Writes one value into its slot; true when the bind entry (type, signedness, memory) changed.
    private func store(_ value: MariaDBValue, at index: Int) -> Bool {
        let slot = slots + index * Self.slotSize
        switch value {
        case .null:
            return update(index, type: MYSQL_TYPE_NULL, unsigned: false, buffer: nil, variableLength: false)
        case .int(let v):
            slot.storeBytes(of: v, as: Int64.self)
            return update(index, type: MYSQL_TYPE_LONGLONG, unsigned: false, buffer: slot, variableLength: false)
        case .uint(let v):
            slot.storeBytes(of: v, as: UInt64.self)
            return update(index, type: MYSQL_TYPE_LONGLONG, unsigned: true, buffer: slot, variableLength: false)
        case .double(let v):
            slot.storeBytes(of: v, as: Double.self)
            return update(index, type: MYSQL_TYPE_DOUBLE, unsigned: false, buffer: slot, variableLength: false)
        case .decimal(let d):
            return storeText(d.text, at: index, type: MYSQL_TYPE_NEWDECIMAL)
        case .string(let s), .json(let s):
            return storeText(s, at: index, type: MYSQL_TYPE_STRING)
        case .bytes(let b):
            let buffer = textBuffer(index, capacity: b.count)
            b.withUnsafeBytes { if let base = $0.baseAddress { buffer.copyMemory(from: base, byteCount: $0.count) } }
            lengths[index] = UInt(b.count)
            return update(index, type: MYSQL_TYPE_BLOB, unsigned: false, buffer: buffer, variableLength: true)
        case .date(let d):
            slot.storeBytes(of: Self.mysqlTime(d, type: MYSQL_TIMESTAMP_DATE), as: MYSQL_TIME.self)
            return update(index, type: MYSQL_TYPE_DATE, unsigned: false, buffer: slot, variableLength: false)
        case .datetime(let d):
            slot.storeBytes(of: Self.mysqlTime(d, type: MYSQL_TIMESTAMP_DATETIME), as: MYSQL_TIME.self)
            return update(index, type: MYSQL_TYPE_DATETIME, unsigned: false, buffer: slot, variableLength: false)
        case .time(let t):
            slot.storeBytes(of: Self.mysqlTime(t), as: MYSQL_TIME.self)
            return update(index, type: MYSQL_TYPE_TIME, unsigned: false, buffer: slot, variableLength: false)
        }
    }

    private func storeText(_ text: String, at index: Int, type: enum_field_types) -> Bool {
        var text = text
        let length = text.withUTF8 { utf8 in
            let buffer = textBuffer(index, capacity: utf8.count)
            if let base = utf8.baseAddress { buffer.copyMemory(from: base, byteCount: utf8.count) }
            return utf8.count
        }
        lengths[index] = UInt(length)
        return update(index, type: type, unsigned: false, buffer: texts[index], variableLength: true)
    }

    /// The parameter's variable-length memory with room for `capacity` bytes; never nil, because
    /// Connector/C sends a parameter whose buffer is NULL as SQL NULL (an empty string must stay '').
    private func textBuffer(_ index: Int, capacity: Int) -> UnsafeMutableRawPointer {
        if let buffer = texts[index], textCapacities[index] >= capacity { return buffer }
        texts[index]?.deallocate()
        let size = max(capacity, Self.minimumTextCapacity, textCapacities[index] * 2)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        texts[index] = buffer
        textCapacities[index] = size
        return buffer
    }

    private func update(
        _ index: Int, type: enum_field_types, unsigned: Bool, buffer: UnsafeMutableRawPointer?, variableLength: Bool
    ) -> Bool {
        let current = binds[index]
        let isUnsigned: my_bool = unsigned ? 1 : 0
        let length = variableLength ? lengths + index : nil
        if current.buffer_type == type, current.is_unsigned == isUnsigned, current.buffer == buffer,
           current.length == length { return false }
        var bind = MYSQL_BIND()
        bind.buffer_type = type
        bind.is_unsigned = isUnsigned
        bind.buffer = buffer
        bind.length = length
        bind.buffer_length = variableLength ? UInt(textCapacities[index]) : 0
        binds[index] = bind
        return true
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

    static func mysqlTime(_ t: MariaDBTime) -> MYSQL_TIME {
        var time = MYSQL_TIME()
        // The binary protocol carries days and hours < 24 separately; 838 hours would wrap in one byte.
        time.day = UInt32(t.hours / 24)
        time.hour = UInt32(t.hours % 24)
        time.minute = UInt32(t.minutes)
        time.second = UInt32(t.seconds)
        time.second_part = UInt(t.microseconds)
        time.neg = t.isNegative ? 1 : 0
        time.time_type = MYSQL_TIMESTAMP_TIME
        return time
    }
}
