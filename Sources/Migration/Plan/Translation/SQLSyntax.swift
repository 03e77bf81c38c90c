/// The parsed form of the SQLite SQL the translator understands: expressions, SELECT, the DML a
/// trigger body may hold, CREATE VIEW and CREATE TRIGGER.
indirect enum SQLExpr: Sendable, Equatable {
    enum Literal: Sendable, Equatable {
        case integer(String)
        case real(String)
        case string(String)
        case blob(String)
        case null
        case boolean(Bool)
        /// CURRENT_TIME, CURRENT_DATE, CURRENT_TIMESTAMP.
        case current(String)
    }

    enum BinaryOperator: String, Sendable, Equatable {
        case concat = "||", jsonExtract = "->", jsonExtractValue = "->>"
        case multiply = "*", divide = "/", modulo = "%", add = "+", subtract = "-"
        case bitAnd = "&", bitOr = "|", shiftLeft = "<<", shiftRight = ">>"
        case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case equal = "=", notEqual = "<>", isOp = "IS", isNot = "IS NOT"
        case and = "AND", or = "OR"
    }

    enum PatternOperator: String, Sendable, Equatable {
        case like = "LIKE", glob = "GLOB", regexp = "REGEXP", match = "MATCH"
    }

    case literal(Literal)
    /// `table.column` or `column`; `quoted` when written in double quotes (SQLite may read it as a string).
    case column(table: String?, name: String, quoted: Bool)
    case unary(String, SQLExpr)
    case binary(BinaryOperator, SQLExpr, SQLExpr)
    case isNull(SQLExpr, negated: Bool)
    case between(SQLExpr, SQLExpr, SQLExpr, negated: Bool)
    case inList(SQLExpr, [SQLExpr], negated: Bool)
    case inSelect(SQLExpr, SQLSelect, negated: Bool)
    /// `x IN table` (SQLite only).
    case inTable(SQLExpr, String, negated: Bool)
    case pattern(PatternOperator, SQLExpr, SQLExpr, escape: SQLExpr?, negated: Bool)
    case collate(SQLExpr, String)
    case cast(SQLExpr, String)
    case caseWhen(SQLExpr?, [SQLWhen], SQLExpr?)
    case function(SQLFunctionCall)
    case exists(SQLSelect)
    case subquery(SQLSelect)
    /// RAISE(IGNORE | ROLLBACK | ABORT | FAIL, 'message') inside a trigger.
    case raise(String, String?)
    case variable(String)
    /// `(a, b)`: a row value.
    case row([SQLExpr])
}

struct SQLWhen: Sendable, Equatable {
    var condition: SQLExpr
    var result: SQLExpr
}

struct SQLFunctionCall: Sendable, Equatable {
    var name: String
    var arguments: [SQLExpr]
    var distinct = false
    /// `count(*)`.
    var star = false
    var filter: SQLExpr?
    var over: SQLWindow?
    /// ORDER BY inside an aggregate (`group_concat(x ORDER BY y)`, SQLite 3.44+).
    var orderBy: [SQLOrderTerm] = []
}

struct SQLWindow: Sendable, Equatable {
    var name: String?
    var base: String?
    var partitionBy: [SQLExpr] = []
    var orderBy: [SQLOrderTerm] = []
    var frame: SQLFrame?
}

struct SQLFrame: Sendable, Equatable {
    enum Bound: Sendable, Equatable {
        case unboundedPreceding, preceding(SQLExpr), currentRow, following(SQLExpr), unboundedFollowing
    }
    var unit: String
    var start: Bound
    var end: Bound?
    var exclude: String?
}

struct SQLOrderTerm: Sendable, Equatable {
    var expression: SQLExpr
    var descending = false
    var collation: String?
    /// "FIRST" or "LAST" when written (`NULLS FIRST`).
    var nulls: String?
}

struct SQLSelect: Sendable, Equatable {
    var with: [SQLCommonTable] = []
    var recursive = false
    var body: SQLSelectBody
    var orderBy: [SQLOrderTerm] = []
    var limit: SQLExpr?
    var offset: SQLExpr?
}

struct SQLCommonTable: Sendable, Equatable {
    var name: String
    var columns: [String]
    var select: SQLSelect
    var materialized: String?
}

indirect enum SQLSelectBody: Sendable, Equatable {
    case core(SQLSelectCore)
    case values([[SQLExpr]])
    case compound(SQLSelectBody, String, SQLSelectBody)
}

struct SQLSelectCore: Sendable, Equatable {
    var distinct = false
    var columns: [SQLResultColumn]
    var from: SQLFromItem?
    var whereClause: SQLExpr?
    var groupBy: [SQLExpr] = []
    var having: SQLExpr?
    var windows: [SQLWindow] = []
}

enum SQLResultColumn: Sendable, Equatable {
    case star
    case tableStar(String)
    case expression(SQLExpr, alias: String?)
}

indirect enum SQLFromItem: Sendable, Equatable {
    case table(schema: String?, name: String, alias: String?)
    case subquery(SQLSelect, alias: String?)
    case tableFunction(name: String, arguments: [SQLExpr], alias: String?)
    case join(SQLFromItem, SQLJoin, SQLFromItem)
}

struct SQLJoin: Sendable, Equatable {
    /// "," (comma), "INNER", "LEFT", "RIGHT", "FULL", "CROSS".
    var kind: String
    var natural = false
    var on: SQLExpr?
    var using: [String]?
}

enum SQLStatement: Sendable, Equatable {
    case select(SQLSelect)
    case insert(SQLInsert)
    case update(SQLUpdate)
    case delete(SQLDelete)
}

struct SQLInsert: Sendable, Equatable {
    enum Source: Sendable, Equatable { case values([[SQLExpr]]), select(SQLSelect), defaultValues }
    /// `OR REPLACE`, `OR IGNORE`, …; `REPLACE INTO` is read as OR REPLACE.
    var conflict: String?
    var table: String
    var columns: [String]?
    var source: Source
    var upsert = false
    var returning = false
}

struct SQLUpdate: Sendable, Equatable {
    var conflict: String?
    var table: String
    var assignments: [SQLAssignment]
    var from: SQLFromItem?
    var whereClause: SQLExpr?
    var returning = false
    var orderOrLimit = false
}

struct SQLAssignment: Sendable, Equatable {
    /// One column, or several for `SET (a, b) = (…)`.
    var columns: [String]
    var value: SQLExpr
}

struct SQLDelete: Sendable, Equatable {
    var table: String
    var whereClause: SQLExpr?
    var returning = false
    var orderOrLimit = false
}

struct SQLCreateView: Sendable, Equatable {
    var name: String
    var columns: [String]
    var select: SQLSelect
}

struct SQLCreateTrigger: Sendable, Equatable {
    var name: String
    /// "BEFORE", "AFTER" or "INSTEAD OF".
    var timing: String
    /// "INSERT", "UPDATE" or "DELETE".
    var event: String
    var updateColumns: [String]
    var table: String
    var when: SQLExpr?
    var body: [SQLStatement]
    var temporary = false
}
