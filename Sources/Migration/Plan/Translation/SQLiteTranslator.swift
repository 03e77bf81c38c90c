import MariaDB

/// A translated expression: MariaDB SQL, the type of its value, and how tightly its top operator binds
/// in MariaDB (for parentheses when it is embedded).
struct TranslatedSQL {
    var sql: String
    var type: SQLValueType
    var level: Int

    static let atomLevel = 16
    static func atom(_ sql: String, _ type: SQLValueType) -> TranslatedSQL {
        TranslatedSQL(sql: sql, type: type, level: atomLevel)
    }
}

/// Where the SQL runs on the target: MariaDB evaluates generated columns and trigger bodies while
/// writing rows under strict mode, where a conversion warning becomes an error.
public enum TranslationContext: String, Sendable { case view, generatedColumn, trigger }

/// Translates SQLite expressions and queries into MariaDB SQL with the same results, or refuses, naming
/// the construct. Precedence comes from the parse tree, never from the text: SQLite binds `||` tighter
/// than `*`, so `a || b * c` is `CONCAT(a, b) * c`; the MariaDB text gets the parentheses MariaDB's own
/// precedence needs.
struct SQLiteTranslator {
    let catalog: TranslationCatalog
    let context: TranslationContext
    /// Caveats of translations that are exact on the copied data but can differ on other data.
    var notes: [String] = []
    var scopes: [TranslationScope] = []
    var frames: [AggregateFrame] = []
    /// The table a trigger is on, for NEW. and OLD.
    var triggerTable: TranslationCatalog.Relation?
    var triggerEvent = ""
    var derivedTables = 0

    init(catalog: TranslationCatalog, context: TranslationContext) {
        self.catalog = catalog
        self.context = context
    }

    mutating func note(_ text: String) { if !notes.contains(text) { notes.append(text) } }

    /// Wraps `child` in parentheses when its operator binds less tightly than `level` requires.
    static func operand(_ child: TranslatedSQL, _ level: Int, right: Bool = false) -> String {
        let needs = right ? child.level <= level : (child.level < level || (level == 6 && child.level == 6))
        return needs ? "(\(child.sql))" : child.sql
    }

    static func quote(_ name: String) -> String { MariaDBIdentifier.quote(name) }

    /// A string literal for a session in NO_BACKSLASH_ESCAPES mode (the mode this tool's sessions use;
    /// MariaDB stores views, triggers and generated columns in a form that reads back the same).
    static func stringLiteral(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    // MARK: expressions

    mutating func translate(_ expression: SQLExpr) throws -> TranslatedSQL {
        switch expression {
        case .literal(let literal): return try self.literal(literal)
        case .column(let table, let name, let quoted): return try column(table: table, name: name, quoted: quoted)
        case .unary(let op, let operand): return try unary(op, operand)
        case .binary(let op, let left, let right): return try binary(op, left, right)
        case .isNull(let operand, let negated):
            let inner = try translate(operand)
            return TranslatedSQL(
                sql: Self.operand(inner, 7) + (negated ? " IS NOT NULL" : " IS NULL"), type: .integer, level: 6)
        case .between(let value, let low, let high, let negated):
            let v = try translate(value), l = try translate(low), h = try translate(high)
            try checkComparable(v, l, "BETWEEN")
            try checkComparable(v, h, "BETWEEN")
            let sql =
                "\(Self.operand(v, 7)) \(negated ? "NOT " : "")BETWEEN \(Self.operand(l, 7)) AND \(Self.operand(h, 7))"
            return TranslatedSQL(sql: sql, type: .integer, level: 5)
        case .inList(let value, let items, let negated):
            guard !items.isEmpty else { return .atom(negated ? "1" : "0", .integer) }
            let v = try translate(value)
            var parts: [String] = []
            for item in items {
                let t = try translate(item)
                try checkComparable(v, t, "IN (…)")
                parts.append(t.sql)
            }
            let sql = "\(Self.operand(v, 7)) \(negated ? "NOT " : "")IN (\(parts.joined(separator: ", ")))"
            return TranslatedSQL(sql: sql, type: .integer, level: 6)
        case .inSelect(let value, let select, let negated):
            let v = try translate(value)
            let query = try subselect(select)
            return TranslatedSQL(
                sql: "\(Self.operand(v, 7)) \(negated ? "NOT " : "")IN (\(query.sql))", type: .integer, level: 6)
        case .inTable(_, let table, _):
            throw TranslationRefusal("IN \(table)", "SQLite's IN table-name has no MariaDB form; write IN (SELECT …)")
        case .pattern(let op, let value, let pattern, let escape, let negated):
            return try self.pattern(op, value, pattern, escape: escape, negated: negated)
        case .collate(let value, let collation): return try collate(value, collation)
        case .cast(let value, let type): return try cast(value, type)
        case .caseWhen(let base, let whens, let otherwise): return try caseWhen(base, whens, otherwise)
        case .function(let call): return try function(call)
        case .exists(let select):
            return .atom("EXISTS (\(try subselect(select).sql))", .integer)
        case .subquery(let select):
            let query = try subselect(select)
            return .atom("(\(query.sql))", query.columns.first?.type ?? .unknown)
        case .raise(let kind, _):
            throw TranslationRefusal("RAISE(\(kind))", "RAISE is only allowed in a trigger's SELECT or CASE")
        case .variable(let name):
            throw TranslationRefusal(name, "a bound parameter has no value in a stored object")
        case .row(let items):
            let parts = try items.map { try translate($0).sql }
            return .atom("(\(parts.joined(separator: ", ")))", .unknown)
        }
    }

    func literal(_ literal: SQLExpr.Literal) throws -> TranslatedSQL {
        switch literal {
        case .integer(let text):
            // Beyond 64 bits SQLite reads the digits as a REAL; MariaDB would make an exact DECIMAL.
            if Int64(text) != nil { return .atom(text, .integer) }
            return .atom(text + "e0", .real)
        case .real(var text):
            if text.hasPrefix(".") { text = "0" + text }
            if text.hasSuffix(".") { text += "0" }
            if !text.lowercased().contains("e") { text += "e0" }
            // A plain 1.5 is an exact DECIMAL in MariaDB; 1.5e0 is a DOUBLE, like SQLite's REAL.
            return .atom(text, .real)
        case .string(let text): return .atom(Self.stringLiteral(text), .text)
        case .blob(let hex): return .atom("X'\(hex)'", .blob)
        case .null: return .atom("NULL", .null)
        case .boolean(let value): return .atom(value ? "1" : "0", .integer)
        case .current(let which):
            let format = ["CURRENT_DATE": "%Y-%m-%d", "CURRENT_TIME": "%H:%i:%s"][which] ?? "%Y-%m-%d %H:%i:%s"
            if context == .generatedColumn { throw TranslationRefusal(which, "not allowed in a generated column") }
            // SQLite's CURRENT_* are UTC text; MariaDB's follow the session time zone and are typed.
            return .atom("DATE_FORMAT(UTC_TIMESTAMP(), '\(format)')", .text)
        }
    }

    mutating func unary(_ op: String, _ operand: SQLExpr) throws -> TranslatedSQL {
        if op == "-", case .literal(.integer(let digits)) = operand, digits == "9223372036854775808" {
            return .atom("-9223372036854775808", .integer)
        }
        let inner = try translate(operand)
        switch op {
        case "NOT":
            return TranslatedSQL(
                sql: "NOT " + (inner.level >= 13 ? inner.sql : "(\(inner.sql))"), type: .integer, level: 4)
        case "+":
            // SQLite's unary plus is a no-op, even on text.
            return inner
        case "-":
            try checkArithmetic(inner, "-\(inner.sql)")
            let body = inner.level >= 13 && !inner.sql.hasPrefix("-") ? inner.sql : "(\(inner.sql))"
            return TranslatedSQL(sql: "-" + body, type: inner.type == .text ? .numeric : inner.type, level: 13)
        default:
            throw TranslationRefusal("~", "MariaDB's ~ inverts an unsigned 64-bit value, SQLite's a signed one")
        }
    }

    mutating func binary(_ op: SQLExpr.BinaryOperator, _ left: SQLExpr, _ right: SQLExpr) throws -> TranslatedSQL {
        switch op {
        case .concat: return try concat(left, right)
        case .and, .or:
            let l = try translate(left), r = try translate(right)
            let level = op == .and ? 3 : 1
            let lhs = l.level == level ? l.sql : Self.operand(l, level)
            return TranslatedSQL(
                sql: "\(lhs) \(op.rawValue) \(Self.operand(r, level, right: true))", type: .integer, level: level)
        case .add, .subtract, .multiply: return try arithmetic(op, left, right)
        case .divide, .modulo: return try division(op, left, right)
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            let l = try translate(left), r = try translate(right)
            try checkComparable(l, r, op.rawValue)
            return TranslatedSQL(
                sql: "\(Self.operand(l, 6)) \(op.rawValue) \(Self.operand(r, 6, right: true))", type: .integer, level: 6
            )
        case .isOp, .isNot:
            let l = try translate(left), r = try translate(right)
            if case .literal(.boolean(let value)) = right {
                let test = (op == .isOp ? "IS " : "IS NOT ") + (value ? "TRUE" : "FALSE")
                return TranslatedSQL(sql: "\(Self.operand(l, 7)) \(test)", type: .integer, level: 6)
            }
            try checkComparable(l, r, op.rawValue)
            let same = "\(Self.operand(l, 6)) <=> \(Self.operand(r, 6, right: true))"
            return op == .isOp ? TranslatedSQL(sql: same, type: .integer, level: 6) : .atom("NOT (\(same))", .integer)
        case .jsonExtractValue:
            return try jsonExtract(left, path: right, construct: "->>")
        case .jsonExtract:
            throw TranslationRefusal(
                "->", "returns JSON text whose formatting MariaDB does not reproduce; use ->> or json_extract")
        case .bitAnd, .bitOr, .shiftLeft, .shiftRight:
            throw TranslationRefusal(
                op.rawValue, "MariaDB's bit operators work on unsigned 64-bit values, SQLite's on signed ones")
        }
    }

    /// `a || b || c` → `CONCAT(a, b, c)`: NULL in, NULL out, as in SQLite.
    mutating func concat(_ left: SQLExpr, _ right: SQLExpr) throws -> TranslatedSQL {
        var operands: [SQLExpr] = []
        func flatten(_ e: SQLExpr) {
            if case .binary(.concat, let l, let r) = e { flatten(l); flatten(r) } else { operands.append(e) }
        }
        flatten(left)
        flatten(right)
        var parts: [String] = []
        for operand in operands {
            let t = try translate(operand)
            switch t.type {
            case .real, .numeric:
                throw TranslationRefusal(
                    "|| \(t.sql)", "SQLite writes a REAL with 15 significant digits, MariaDB with up to 17")
            case .decimal:
                throw TranslationRefusal(
                    "|| \(t.sql)", "the DECIMAL column prints its scale (20.00) where SQLite printed its REAL (20.0)")
            case .temporal:
                throw TranslationRefusal(
                    "|| \(t.sql)", "the DATETIME column prints differently from the text SQLite held")
            case .blob:
                throw TranslationRefusal("|| \(t.sql)", "concatenating bytes as text is not checked for valid UTF-8")
            default:
                parts.append(t.sql)
            }
        }
        return .atom("CONCAT(\(parts.joined(separator: ", ")))", .text)
    }

    func checkArithmetic(_ value: TranslatedSQL, _ construct: String) throws {
        switch value.type {
        case .text:
            if context != .view {
                throw TranslationRefusal(
                    construct,
                    "arithmetic on text: under strict mode MariaDB rejects text that is not a number, "
                        + "where SQLite reads 0"
                )
            }
        case .blob: throw TranslationRefusal(construct, "arithmetic on bytes")
        case .temporal:
            throw TranslationRefusal(
                construct,
                "arithmetic on a date: SQLite reads the leading number of its text, MariaDB a number like 20260101")
        default: break
        }
    }

    mutating func arithmetic(_ op: SQLExpr.BinaryOperator, _ left: SQLExpr, _ right: SQLExpr) throws -> TranslatedSQL {
        let l = try translate(left), r = try translate(right)
        let construct = "\(l.sql) \(op.rawValue) \(r.sql)"
        try checkArithmetic(l, construct)
        try checkArithmetic(r, construct)
        if l.type == .text || r.type == .text {
            note("text operands of arithmetic are read as numbers (MariaDB warns where SQLite silently reads 0)")
        }
        let type: SQLValueType
        switch (l.type, r.type) {
        case (.integer, .integer): type = .integer
        case (.real, _), (_, .real): type = .real
        case (.decimal, .integer), (.integer, .decimal), (.decimal, .decimal): type = .decimal
        case (.null, _), (_, .null): type = .null
        case (.numeric, _), (_, .numeric): type = .numeric
        default: type = .unknown
        }
        if type == .decimal && op == .multiply {
            note("DECIMAL columns multiply exactly on MariaDB; SQLite multiplied their REAL values")
        }
        let level = op == .multiply ? 11 : 10
        return TranslatedSQL(
            sql: "\(Self.operand(l, level)) \(op.rawValue) \(Self.operand(r, level, right: true))", type: type,
            level: level)
    }

    /// SQLite divides integers by truncating and gives NULL for a zero divisor; MariaDB's `/` gives a
    /// decimal, so integer division becomes DIV, and the divisor goes through NULLIF(…, 0).
    mutating func division(_ op: SQLExpr.BinaryOperator, _ left: SQLExpr, _ right: SQLExpr) throws -> TranslatedSQL {
        let l = try translate(left), r = try translate(right)
        let construct = "\(l.sql) \(op.rawValue) \(r.sql)"
        let nonZeroLiteral: Bool
        switch right {
        case .literal(.integer(let text)): nonZeroLiteral = Int64(text).map { $0 != 0 } ?? false
        case .literal(.real(let text)): nonZeroLiteral = (Double(text) ?? 0) != 0
        default: nonZeroLiteral = false
        }
        let divisor = nonZeroLiteral ? Self.operand(r, 11, right: true) : "NULLIF(\(r.sql), 0)"
        if op == .modulo {
            guard l.type == .integer && r.type == .integer || l.type == .null || r.type == .null else {
                throw TranslationRefusal(
                    construct, "SQLite's % first converts both operands to integers; MariaDB keeps fractions")
            }
            return TranslatedSQL(sql: "\(Self.operand(l, 11)) % \(divisor)", type: .integer, level: 11)
        }
        switch (l.type, r.type) {
        case (.integer, .integer):
            return TranslatedSQL(sql: "\(Self.operand(l, 11)) DIV \(divisor)", type: .integer, level: 11)
        case (.real, _) where r.type.isNumber, (_, .real) where l.type.isNumber, (.null, _), (_, .null):
            // One REAL operand makes SQLite divide exactly, as MariaDB does with a DOUBLE.
            return TranslatedSQL(sql: "\(Self.operand(l, 11)) / \(divisor)", type: .real, level: 11)
        default:
            let known = [l, r].map { "\($0.sql) is \($0.type.rawValue)" }.joined(separator: ", ")
            throw TranslationRefusal(
                construct,
                "SQLite divides integers by truncating and reals exactly; "
                    + "the operand types are not both known (\(known))"
            )
        }
    }

    func checkComparable(_ a: TranslatedSQL, _ b: TranslatedSQL, _ op: String) throws {
        let pair = (a.type, b.type)
        let textNumber = (a.type == .text && b.type.isNumber) || (b.type == .text && a.type.isNumber)
        if textNumber {
            throw TranslationRefusal(
                "\(a.sql) \(op) \(b.sql)",
                "compares text with a number: SQLite compares them as text (column affinity), MariaDB as numbers")
        }
        if (pair.0 == .blob) != (pair.1 == .blob) && pair.0 != .null && pair.1 != .null && pair.0 != .unknown
            && pair.1 != .unknown
        {
            throw TranslationRefusal("\(a.sql) \(op) \(b.sql)", "compares bytes with another type")
        }
    }

    mutating func pattern(
        _ op: SQLExpr.PatternOperator, _ value: SQLExpr, _ pattern: SQLExpr, escape: SQLExpr?,
        negated: Bool
    ) throws -> TranslatedSQL {
        switch op {
        case .glob: throw TranslationRefusal("GLOB", "MariaDB has no GLOB (case-sensitive *, ?, [] wildcards)")
        case .regexp: throw TranslationRefusal("REGEXP", "SQLite's REGEXP calls an application-defined function")
        case .match:
            throw TranslationRefusal("MATCH", "full-text MATCH has MariaDB's own syntax: MATCH (columns) AGAINST (…)")
        case .like: break
        }
        let v = try translate(value)
        var p = try translate(pattern)
        var escapeSQL = ""
        if let escape {
            escapeSQL = " ESCAPE " + (try translate(escape)).sql
        } else if case .literal(.string(let text)) = pattern {
            // SQLite has no default escape character; MariaDB's is the backslash.
            p.sql = Self.stringLiteral(text.replacingOccurrences(of: "\\", with: "\\\\"))
        } else {
            p.sql = "REPLACE(\(p.sql), '\\', '\\\\')"
        }
        // SQLite's LIKE ignores the case of ASCII letters; the columns here compare bytes (utf8mb4_bin).
        note("LIKE ignores case through LOWER(); for non-ASCII letters SQLite's LIKE is case-sensitive, LOWER() is not")
        let sql = "LOWER(\(v.sql)) \(negated ? "NOT " : "")LIKE LOWER(\(p.sql))\(escapeSQL)"
        return TranslatedSQL(sql: sql, type: .integer, level: 6)
    }

    mutating func collate(_ value: SQLExpr, _ collation: String) throws -> TranslatedSQL {
        let v = try translate(value)
        switch collation.uppercased() {
        case "BINARY":
            guard v.type == .text || v.type == .unknown else { return v }
            return TranslatedSQL(sql: "\(Self.operand(v, 15)) COLLATE utf8mb4_bin", type: v.type, level: 15)
        case "NOCASE":
            throw TranslationRefusal(
                "COLLATE NOCASE", "SQLite folds ASCII letters only; every MariaDB case-insensitive collation folds more"
            )
        default:
            throw TranslationRefusal("COLLATE \(collation)", "no MariaDB collation compares the same way")
        }
    }

    mutating func cast(_ value: SQLExpr, _ typeName: String) throws -> TranslatedSQL {
        let v = try translate(value)
        let affinity = SourceColumn(
            name: "", declaredType: typeName, notNull: false, defaultSQL: nil, hidden: 0, collation: nil
        ).affinity
        let construct = "CAST(\(v.sql) AS \(typeName))"
        if v.type == .null { return .atom("NULL", .null) }
        switch affinity {
        case "TEXT":
            switch v.type {
            case .integer, .text: return .atom("CAST(\(v.sql) AS CHAR)", .text)
            case .unknown:
                note("CAST(… AS TEXT) of a value of unknown type: numbers print differently when they are REALs")
                return .atom("CAST(\(v.sql) AS CHAR)", .text)
            default:
                throw TranslationRefusal(
                    construct, "the text of a \(v.type.rawValue) value differs between SQLite and MariaDB")
            }
        case "INTEGER":
            switch v.type {
            case .integer: return .atom("CAST(\(v.sql) AS SIGNED)", .integer)
            case .real, .decimal, .numeric:
                // SQLite truncates toward zero; MariaDB's CAST(… AS SIGNED) rounds.
                return .atom("CAST(TRUNCATE(\(v.sql), 0) AS SIGNED)", .integer)
            default:
                throw TranslationRefusal(
                    construct, "SQLite reads the leading integer of the text; MariaDB rounds and warns")
            }
        case "REAL":
            guard v.type.isNumber else {
                throw TranslationRefusal(
                    construct, "converting \(v.type.rawValue) to REAL is not checked to be the same")
            }
            return .atom("CAST(\(v.sql) AS DOUBLE)", .real)
        case "BLOB":
            guard v.type == .text || v.type == .blob else {
                throw TranslationRefusal(construct, "SQLite's bytes of a number are its text form")
            }
            return .atom("CAST(\(v.sql) AS BINARY)", .blob)
        default:
            throw TranslationRefusal(construct, "NUMERIC affinity (integer when exact, else real) has no MariaDB type")
        }
    }

    mutating func caseWhen(_ base: SQLExpr?, _ whens: [SQLWhen], _ otherwise: SQLExpr?) throws -> TranslatedSQL {
        var sql = "CASE"
        var type: SQLValueType?
        if let base { sql += " " + (try translate(base)).sql }
        for when in whens {
            let condition = try translate(when.condition)
            let result = try translate(when.result)
            type = type.map { $0.union(result.type) } ?? result.type
            sql += " WHEN \(condition.sql) THEN \(result.sql)"
        }
        if let otherwise {
            let result = try translate(otherwise)
            type = type.map { $0.union(result.type) } ?? result.type
            sql += " ELSE \(result.sql)"
        }
        return .atom(sql + " END", type ?? .unknown)
    }
}
