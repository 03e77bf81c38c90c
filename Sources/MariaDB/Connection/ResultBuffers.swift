import CMariaDB
import Foundation

/// Result-row memory for one prepared statement: a `MYSQL_BIND` per column, reused for every row.
/// Variable-length columns start small and grow when Connector/C reports truncation, so memory is bounded
/// by the largest value seen, not by the column's declared maximum (4 GiB for LONGTEXT).
final class ResultBuffers {
    enum Kind: Equatable { case integer(unsigned: Bool), double, temporal(UInt32), decimal, bit, json, text, binary, null }

    let columns: MariaDBColumns
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let kinds: [Kind]
    private let count: Int
    // Plain memory rather than arrays: `values()` reads them for every row, and a class's `var` array
    // costs a dynamic exclusivity check and a bounds check per access.
    private let buffers: UnsafeMutablePointer<UnsafeMutableRawPointer>
    private let capacities: UnsafeMutablePointer<Int>
    private let lengths: UnsafeMutablePointer<UInt>
    private let nulls: UnsafeMutablePointer<CChar>
    private let errors: UnsafeMutablePointer<CChar>
    private var needsRebind = false

    static let initialTextCapacity = 256

    init(fields: UnsafeMutablePointer<MYSQL_FIELD>, count: Int) {
        self.count = count
        var columns: [MariaDBColumn] = []
        var kinds: [Kind] = []
        for i in 0..<count {
            let column = MariaDBColumn(fields[i])
            columns.append(column)
            kinds.append(Self.kind(of: column))
        }
        self.columns = MariaDBColumns(columns)
        self.kinds = kinds
        binds = .allocate(capacity: count)
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        lengths = .allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
        nulls = .allocate(capacity: count)
        nulls.initialize(repeating: 0, count: count)
        errors = .allocate(capacity: count)
        errors.initialize(repeating: 0, count: count)
        buffers = .allocate(capacity: count)
        capacities = .allocate(capacity: count)
        for i in 0..<count {
            let capacity: Int
            switch kinds[i] {
            case .integer, .double: capacity = 8
            case .temporal: capacity = MemoryLayout<MYSQL_TIME>.stride
            default: capacity = max(16, min(Int(columns[i].length) + 1, Self.initialTextCapacity))
            }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            (buffers + i).initialize(to: buffer)
            (capacities + i).initialize(to: capacity)
            var bind = MYSQL_BIND()
            bind.buffer = buffer
            bind.buffer_length = UInt(capacity)
            bind.length = lengths + i
            bind.is_null = nulls + i
            bind.error = errors + i
            switch kinds[i] {
            case .integer(let unsigned):
                bind.buffer_type = MYSQL_TYPE_LONGLONG
                bind.is_unsigned = unsigned ? 1 : 0
            case .double: bind.buffer_type = MYSQL_TYPE_DOUBLE
            case .temporal(let type): bind.buffer_type = enum_field_types(rawValue: type)
            default: bind.buffer_type = MYSQL_TYPE_STRING
            }
            binds[i] = bind
        }
    }

    deinit {
        for i in 0..<count { buffers[i].deallocate() }
        buffers.deallocate(); capacities.deallocate()
        binds.deinitialize(count: count); binds.deallocate()
        lengths.deallocate(); nulls.deallocate(); errors.deallocate()
    }

    static func kind(of column: MariaDBColumn) -> Kind {
        switch enum_field_types(rawValue: column.type) {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_INT24, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
            return .integer(unsigned: column.isUnsigned)
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE: return .double
        case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL: return .decimal
        case MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE: return .temporal(MYSQL_TYPE_DATE.rawValue)
        case MYSQL_TYPE_DATETIME, MYSQL_TYPE_DATETIME2: return .temporal(MYSQL_TYPE_DATETIME.rawValue)
        case MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_TIMESTAMP2: return .temporal(MYSQL_TYPE_TIMESTAMP.rawValue)
        case MYSQL_TYPE_TIME, MYSQL_TYPE_TIME2: return .temporal(MYSQL_TYPE_TIME.rawValue)
        case MYSQL_TYPE_BIT: return .bit
        case MYSQL_TYPE_JSON: return .json
        case MYSQL_TYPE_NULL: return .null
        default: return column.isBinary ? .binary : .text
        }
    }

    /// True when a re-executed statement returned the same column layout (so buffers can be reused).
    /// Compares the C fields directly: this runs on every execution and must not allocate.
    func matches(_ fields: UnsafeMutablePointer<MYSQL_FIELD>, count: Int) -> Bool {
        guard count == self.count else { return false }
        for i in 0..<count {
            let field = fields[i]
            let column = columns.columns[i]
            guard field.type.rawValue == column.type, field.flags == column.flags, field.charsetnr == column.charsetNumber,
                  let name = field.name, column.name.withCString({ strcmp($0, name) == 0 }) else { return false }
        }
        return true
    }

    /// Called before each fetch loop; re-registers grown buffers.
    func bindIfNeeded(_ stmt: UnsafeMutablePointer<MYSQL_STMT>) -> Bool {
        guard needsRebind else { return true }
        needsRebind = false
        return mysql_stmt_bind_result(stmt, binds) == 0
    }

    /// Re-reads the columns whose value did not fit, after growing their buffers.
    func fetchTruncated(_ stmt: UnsafeMutablePointer<MYSQL_STMT>) throws {
        for i in 0..<count where errors[i] != 0 {
            let needed = Int(lengths[i])
            guard needed > capacities[i] else { continue }
            buffers[i].deallocate()
            let capacity = max(needed, capacities[i] * 2)
            buffers[i] = .allocate(byteCount: capacity, alignment: 8)
            capacities[i] = capacity
            binds[i].buffer = buffers[i]
            binds[i].buffer_length = UInt(capacity)
            if mysql_stmt_fetch_column(stmt, binds + i, UInt32(i), 0) != 0 {
                throw PreparedStatement.error(stmt, context: "fetch column \(columns.columns[i].name)")
            }
            needsRebind = true
        }
        if needsRebind, !bindIfNeeded(stmt) {
            throw PreparedStatement.error(stmt, context: "rebind result")
        }
    }

    func values() -> [MariaDBValue] {
        var values: [MariaDBValue] = []
        values.reserveCapacity(count)
        for i in 0..<count {
            if nulls[i] != 0 { values.append(.null); continue }
            let buffer = buffers[i]
            let length = Int(lengths[i])
            switch kinds[i] {
            case .integer(let unsigned):
                let raw = buffer.load(as: Int64.self)
                values.append(unsigned ? .uint(UInt64(bitPattern: raw)) : .int(raw))
            case .double:
                values.append(.double(buffer.load(as: Double.self)))
            case .temporal(let type):
                values.append(Self.temporal(buffer.load(as: MYSQL_TIME.self), type: type))
            case .decimal:
                let text = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
                values.append(MariaDBDecimal(text).map(MariaDBValue.decimal) ?? .string(text))
            case .bit, .binary:
                values.append(.bytes(Array(UnsafeRawBufferPointer(start: buffer, count: length))))
            case .json:
                values.append(.json(String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)))
            case .text:
                values.append(.string(String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)))
            case .null:
                values.append(.null)
            }
        }
        return values
    }

    static func temporal(_ t: MYSQL_TIME, type: UInt32) -> MariaDBValue {
        if type == MYSQL_TYPE_TIME.rawValue {
            return .time(MariaDBTime(isNegative: t.neg != 0, hours: Int(t.day) * 24 + Int(t.hour), minutes: Int(t.minute), seconds: Int(t.second), microseconds: Int(t.second_part)))
        }
        let value = MariaDBDateTime(year: Int(t.year), month: Int(t.month), day: Int(t.day), hour: Int(t.hour), minute: Int(t.minute), second: Int(t.second), microsecond: Int(t.second_part))
        return type == MYSQL_TYPE_DATE.rawValue ? .date(value) : .datetime(value)
    }
}
