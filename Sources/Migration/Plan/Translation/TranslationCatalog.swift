/// What the translator knows of a value's type. SQLite types values, not columns; on the target each
/// column has one type, and the translator relies on that only where the copy made it exact (a column
/// planned as BIGINT held only integers in SQLite, so SQLite's integer semantics applied to every row).
public enum SQLValueType: String, Sendable, Codable {
    case integer, real, decimal, text, blob, temporal, null
    /// Integers and reals mixed (e.g. a NUMERIC column that became DOUBLE).
    case numeric
    case unknown

    var isNumber: Bool { self == .integer || self == .real || self == .decimal || self == .numeric }
    var isExactNumber: Bool { self == .integer || self == .decimal }

    /// The common type of two values that meet in CASE, COALESCE, UNION, ….
    func union(_ other: SQLValueType) -> SQLValueType {
        if self == other { return self }
        if self == .null { return other }
        if other == .null { return self }
        if isNumber && other.isNumber { return self == .decimal || other == .decimal ? .unknown : .numeric }
        return .unknown
    }

    /// The type the target column has, as far as SQLite's semantics on the copied values go.
    static func of(_ type: TargetType, affinity: String) -> SQLValueType {
        switch type {
        case .integer, .boolean: return .integer
        case .double: return affinity == "REAL" ? .real : .numeric
        case .decimal: return .decimal
        case .varchar, .text, .json: return .text
        case .varbinary, .blob: return .blob
        case .date, .datetime, .time: return .temporal
        case .uuid: return .unknown
        }
    }
}

/// The tables and views a translated statement may refer to, by their names on the target.
public struct TranslationCatalog: Sendable {
    public struct Column: Sendable {
        public var name: String
        public var type: SQLValueType
        /// Set when the column exists in SQLite but not on the target (a generated column not carried over).
        public var missingReason: String?

        public init(name: String, type: SQLValueType, missingReason: String? = nil) {
            self.name = name
            self.type = type
            self.missingReason = missingReason
        }
    }

    public struct Relation: Sendable {
        public var name: String
        public var columns: [Column]
        public var primaryKey: [String]
        /// The column SQLite's rowid is on the target (an INTEGER PRIMARY KEY), if any.
        public var rowidColumn: String?
        public var isView: Bool
        /// Set when the relation exists in SQLite but is not carried over.
        public var missingReason: String?

        public init(
            name: String, columns: [Column], primaryKey: [String] = [], rowidColumn: String? = nil,
            isView: Bool = false, missingReason: String? = nil
        ) {
            self.name = name
            self.columns = columns
            self.primaryKey = primaryKey
            self.rowidColumn = rowidColumn
            self.isView = isView
            self.missingReason = missingReason
        }

        func column(_ name: String) -> Column? {
            columns.first { $0.name == name } ?? columns.first { $0.name.lowercased() == name.lowercased() }
        }
    }

    var relations: [String: Relation] = [:]

    public init(_ relations: [Relation] = []) {
        for relation in relations { add(relation) }
    }

    public mutating func add(_ relation: Relation) { relations[relation.name.lowercased()] = relation }

    /// SQLite names are case-insensitive; MariaDB table names are not (on Linux): the catalog returns
    /// the name as the target spells it.
    public func relation(_ name: String) -> Relation? { relations[name.lowercased()] }
}
