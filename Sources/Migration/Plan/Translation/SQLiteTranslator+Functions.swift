extension SQLiteTranslator {
    static let aggregates: Set<String> = ["count", "sum", "total", "avg", "group_concat", "string_agg"]
    static let windowOnly: Set<String> = [
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value",
        "last_value", "nth_value",
    ]
    /// SQLite functions with no MariaDB counterpart, and why.
    static let refusedFunctions: [String: String] = [
        "typeof": "MariaDB columns have one type; there is no per-value storage class",
        "glob": "MariaDB has no GLOB (case-sensitive *, ?, [] wildcards)",
        "like": "the function form of LIKE; write the operator",
        "random": "a different random sequence", "randomblob": "a different random sequence",
        "zeroblob": "no MariaDB counterpart", "quote": "SQLite's quoting of SQL literals",
        "changes": "connection state", "total_changes": "connection state", "last_insert_rowid": "connection state",
        "sqlite_version": "SQLite's version", "sqlite_source_id": "SQLite's version",
        "unicode": "MariaDB's ORD() gives UTF-8 bytes, not the code point", "char": "MariaDB's CHAR() builds bytes",
        "soundex": "MariaDB's SOUNDEX() returns longer codes", "load_extension": "SQLite extensions",
        "julianday": "fractional Julian day numbers have no MariaDB function",
        "json": "MariaDB prints JSON with different spacing", "json_type": "MariaDB names JSON types differently",
        "json_array": "MariaDB prints JSON with different spacing",
        "json_object": "MariaDB prints JSON with different spacing",
        "json_array_length": "MariaDB's JSON_LENGTH also counts object members",
        "json_group_array": "MariaDB prints JSON with different spacing",
        "json_group_object": "MariaDB prints JSON with different spacing",
        "highlight": "an FTS5 auxiliary function", "snippet": "an FTS auxiliary function",
        "bm25": "an FTS5 ranking function",
        "matchinfo": "an FTS auxiliary function", "offsets": "an FTS auxiliary function",
    ]

    mutating func function(_ call: SQLFunctionCall) throws -> TranslatedSQL {
        let name = call.name.lowercased()
        if call.filter != nil {
            throw TranslationRefusal("\(call.name)(…) FILTER", "MariaDB has no FILTER clause for aggregates")
        }
        if let reason = Self.refusedFunctions[name] { throw TranslationRefusal("\(call.name)()", reason) }
        if let over = call.over { return try windowFunction(call, name, over) }
        if Self.windowOnly.contains(name) {
            throw TranslationRefusal("\(call.name)()", "a window function needs OVER (…)")
        }
        if Self.aggregates.contains(name) || (["min", "max"].contains(name) && call.arguments.count == 1) {
            return try aggregate(call, name)
        }
        if call.distinct || call.star || !call.orderBy.isEmpty {
            throw TranslationRefusal(
                "\(call.name)(…)", "DISTINCT, * or ORDER BY in a call to a function that is no aggregate")
        }
        if let dated = try dateFunction(call, name) { return dated }
        let args = try call.arguments.map { try translate($0) }
        return try scalar(call, name, args)
    }

    func arity(_ call: SQLFunctionCall, _ counts: ClosedRange<Int>) throws {
        guard counts.contains(call.arguments.count) else {
            throw TranslationRefusal("\(call.name)()", "called with \(call.arguments.count) argument(s)")
        }
    }

    mutating func scalar(_ call: SQLFunctionCall, _ name: String, _ args: [TranslatedSQL]) throws -> TranslatedSQL {
        let list = args.map(\.sql).joined(separator: ", ")
        func union() -> SQLValueType { args.map(\.type).reduce(SQLValueType.null) { $0.union($1) } }
        switch name {
        case "abs":
            try arity(call, 1...1)
            try checkArithmetic(args[0], "abs(\(args[0].sql))")
            return .atom("ABS(\(list))", args[0].type)
        case "sign":
            try arity(call, 1...1)
            try checkArithmetic(args[0], "sign(\(args[0].sql))")
            return .atom("SIGN(\(list))", .integer)
        case "coalesce", "ifnull", "nullif":
            try arity(call, name == "coalesce" ? 2...127 : 2...2)
            return .atom("\(name.uppercased())(\(list))", name == "nullif" ? args[0].type : union())
        case "iif":
            try arity(call, 3...3)
            return .atom("IF(\(list))", args[1].type.union(args[2].type))
        case "likely", "unlikely", "likelihood":
            // Query-planner hints that return their first argument unchanged.
            try arity(call, name == "likelihood" ? 2...2 : 1...1)
            return args[0]
        case "min", "max":
            try arity(call, 2...127)
            let type = union()
            guard type != .unknown, type != .blob else {
                throw TranslationRefusal(
                    "\(call.name)(\(list))", "SQLite orders mixed types (NULL, numbers, text, bytes) its own way")
            }
            return .atom("\(name == "min" ? "LEAST" : "GREATEST")(\(list))", type)
        case "instr":
            try arity(call, 2...2)
            return .atom("LOCATE(\(args[1].sql), \(args[0].sql))", .integer)
        case "length":
            try arity(call, 1...1)
            return try length(args[0])
        case "lower", "upper":
            try arity(call, 1...1)
            note("\(name)(): SQLite changes ASCII letters only, MariaDB all letters")
            return .atom("\(name.uppercased())(\(list))", .text)
        case "trim", "ltrim", "rtrim":
            try arity(call, 1...2)
            return try trim(call, name, args)
        case "replace":
            try arity(call, 3...3)
            return .atom("REPLACE(\(list))", .text)
        case "substr", "substring":
            try arity(call, 2...3)
            return try substring(call, args)
        case "hex":
            try arity(call, 1...1)
            switch args[0].type {
            // SQLite's hex(NULL) is '', MariaDB's NULL.
            case .text, .blob, .null: return .atom("IFNULL(HEX(\(list)), '')", .text)
            case .integer: return .atom("IFNULL(HEX(CAST(\(list) AS CHAR)), '')", .text)
            default:
                throw TranslationRefusal(
                    "hex(\(list))", "SQLite hexes the text form of a \(args[0].type.rawValue) value")
            }
        case "round":
            try arity(call, 1...2)
            return try round(call, args)
        case "printf", "format":
            return try printf(call, args)
        case "json_extract":
            try arity(call, 2...2)
            return try jsonExtract(call.arguments[0], path: call.arguments[1], construct: "json_extract()")
        case "json_valid":
            try arity(call, 1...1)
            return .atom("JSON_VALID(\(list))", .integer)
        default:
            throw TranslationRefusal(
                "\(call.name)()", "no MariaDB equivalent is known (an application-defined or SQLite-only function)")
        }
    }

    func length(_ value: TranslatedSQL) throws -> TranslatedSQL {
        switch value.type {
        case .text, .integer: return .atom("CHAR_LENGTH(\(value.sql))", .integer)
        case .blob: return .atom("OCTET_LENGTH(\(value.sql))", .integer)
        case .null: return .atom("NULL", .null)
        default:
            throw TranslationRefusal(
                "length(\(value.sql))",
                "counts characters of text but bytes of a blob, and the text of a number; "
                    + "the type is \(value.type.rawValue)"
            )
        }
    }

    func trim(_ call: SQLFunctionCall, _ name: String, _ args: [TranslatedSQL]) throws -> TranslatedSQL {
        if args.count == 1 { return .atom("\(name.uppercased())(\(args[0].sql))", .text) }
        guard case .literal(.string(let characters)) = call.arguments[1], characters.count == 1 else {
            throw TranslationRefusal(
                "\(call.name)(…, \(args[1].sql))",
                "SQLite removes any of the characters given, MariaDB the whole string; "
                    + "only one literal character is the same"
            )
        }
        let side = ["trim": "BOTH", "ltrim": "LEADING", "rtrim": "TRAILING"][name]!
        return .atom("TRIM(\(side) \(args[1].sql) FROM \(args[0].sql))", .text)
    }

    /// SQLite's substr() counts a start of 0 as before the first character and takes a negative length
    /// to mean characters before the start; MariaDB returns ''. Equal when start ≥ 1 (or a negative
    /// literal) and length ≥ 0, which is what the translator checks.
    func substring(_ call: SQLFunctionCall, _ args: [TranslatedSQL]) throws -> TranslatedSQL {
        let start = call.arguments[1]
        let startOK: Bool
        if case .unary("-", .literal(.integer(let digits))) = start, (Int64(digits) ?? 0) > 0 {
            startOK = true
        } else {
            startOK = (Self.lowerBound(start) ?? 0) >= 1
        }
        guard startOK else {
            throw TranslationRefusal(
                "substr(…, \(args[1].sql))",
                "a start that may be 0 or computed: SQLite and MariaDB disagree for start 0")
        }
        if call.arguments.count == 3, (Self.lowerBound(call.arguments[2]) ?? -1) < 0 {
            throw TranslationRefusal(
                "substr(…, \(args[2].sql))",
                "a length that may be negative: SQLite then takes characters before the start, MariaDB none")
        }
        guard [SQLValueType.text, .blob, .integer, .null].contains(args[0].type) else {
            throw TranslationRefusal(
                "substr(\(args[0].sql), …)",
                "SQLite takes characters of the text form of a \(args[0].type.rawValue) value")
        }
        return .atom("SUBSTRING(\(args.map(\.sql).joined(separator: ", ")))", args[0].type == .blob ? .blob : .text)
    }

    /// A lower bound of an integer expression when one can be proven from its form.
    static func lowerBound(_ expression: SQLExpr) -> Int64? {
        switch expression {
        case .literal(.integer(let text)): return Int64(text)
        case .function(let call) where ["instr", "length", "count", "char_length"].contains(call.name.lowercased()):
            return 0
        case .binary(.add, let l, let r):
            guard let a = lowerBound(l), let b = lowerBound(r) else { return nil }
            return a.addingReportingOverflow(b).overflow ? nil : a + b
        default: return nil
        }
    }

    func round(_ call: SQLFunctionCall, _ args: [TranslatedSQL]) throws -> TranslatedSQL {
        if args.count == 2, (Self.lowerBound(call.arguments[1]) ?? -1) < 0 {
            throw TranslationRefusal(
                "round(…, \(args[1].sql))",
                "SQLite treats a negative number of digits as 0, MariaDB rounds left of the point")
        }
        switch args[0].type {
        case .decimal:
            // MariaDB rounds a DECIMAL half away from zero, as SQLite rounds.
            return .atom("ROUND(\(args.map(\.sql).joined(separator: ", ")))", .decimal)
        case .integer:
            return .atom("(\(args[0].sql) + 0e0)", .real)
        case .null:
            return .atom("NULL", .null)
        default:
            throw TranslationRefusal(
                "round(\(args[0].sql))", "SQLite rounds a REAL half away from zero, MariaDB half to even")
        }
    }

    /// printf() with a literal format of text, `%s`, `%d` and `%%` only; SQLite prints NULL as '' (%s) or 0 (%d).
    func printf(_ call: SQLFunctionCall, _ args: [TranslatedSQL]) throws -> TranslatedSQL {
        guard case .literal(.string(let format))? = call.arguments.first else {
            throw TranslationRefusal("\(call.name)()", "the format is not a string literal")
        }
        var pieces: [String] = []
        var text = ""
        var index = 1
        var characters = Array(format)[...]
        while let c = characters.popFirst() {
            guard c == "%" else { text.append(c); continue }
            guard let spec = characters.popFirst() else { throw TranslationRefusal("printf('\(format)')", "ends in %") }
            if spec == "%" { text.append("%"); continue }
            guard spec == "s" || spec == "d" else {
                throw TranslationRefusal("printf('%\(spec)…')", "only %s, %d and %% have the same output in MariaDB")
            }
            guard index < args.count else {
                throw TranslationRefusal("printf('\(format)')", "has more conversions than arguments")
            }
            let arg = args[index]
            index += 1
            guard arg.type == .integer || (spec == "s" && arg.type == .text) else {
                throw TranslationRefusal(
                    "printf('%\(spec)', \(arg.sql))", "SQLite prints a \(arg.type.rawValue) value its own way")
            }
            if !text.isEmpty { pieces.append(Self.stringLiteral(text)); text = "" }
            pieces.append("IFNULL(\(arg.sql), \(spec == "s" ? "''" : "0"))")
        }
        if !text.isEmpty || pieces.isEmpty { pieces.append(Self.stringLiteral(text)) }
        return .atom(
            pieces.count == 1 ? "CAST(\(pieces[0]) AS CHAR)" : "CONCAT(\(pieces.joined(separator: ", ")))", .text)
    }

    /// json_extract() returns SQL values: unquoted text, numbers, 1/0 for booleans, NULL for null, and
    /// compact JSON for arrays and objects; MariaDB's JSON_VALUE does the first four, JSON_COMPACT the last.
    mutating func jsonExtract(_ document: SQLExpr, path: SQLExpr, construct: String) throws -> TranslatedSQL {
        let doc = try translate(document)
        guard case .literal(let literal) = path else {
            throw TranslationRefusal(construct, "the path is not a literal")
        }
        var pathText: String
        switch literal {
        case .string(let text): pathText = text
        case .integer(let text) where construct == "->>": pathText = "$[\(text)]"
        default: throw TranslationRefusal(construct, "the path is not a string")
        }
        if construct == "->>" && !pathText.hasPrefix("$") { pathText = "$." + pathText }
        guard pathText.hasPrefix("$"), !pathText.contains("#") else {
            throw TranslationRefusal(
                "\(construct) '\(pathText)'", "only plain $.key and $[n] paths are the same in MariaDB")
        }
        let p = Self.stringLiteral(pathText)
        let extract = "JSON_EXTRACT(\(doc.sql), \(p))"
        note("json_extract: numbers come back as text on MariaDB (JSON_VALUE)")
        let sql =
            "CASE JSON_TYPE(\(extract)) WHEN 'OBJECT' THEN JSON_COMPACT(\(extract)) "
            + "WHEN 'ARRAY' THEN JSON_COMPACT(\(extract))"
            + " WHEN 'NULL' THEN NULL ELSE JSON_VALUE(\(doc.sql), \(p)) END"
        return .atom(sql, .unknown)
    }

    mutating func aggregate(_ call: SQLFunctionCall, _ name: String) throws -> TranslatedSQL {
        if context == .generatedColumn {
            throw TranslationRefusal("\(call.name)()", "an aggregate in a generated column")
        }
        if !frames.isEmpty {
            frames[frames.count - 1].sawAggregate = true; frames[frames.count - 1].aggregateDepth += 1
        }
        defer { if !frames.isEmpty { frames[frames.count - 1].aggregateDepth -= 1 } }
        let distinct = call.distinct ? "DISTINCT " : ""
        if call.star {
            guard name == "count" else { throw TranslationRefusal("\(call.name)(*)", "only count(*) takes *") }
            return .atom("COUNT(*)", .integer)
        }
        let args = try call.arguments.map { try translate($0) }
        guard let first = args.first else { throw TranslationRefusal("\(call.name)()", "called without arguments") }
        switch name {
        case "count":
            return .atom("COUNT(\(distinct)\(first.sql))", .integer)
        case "sum", "avg", "total":
            guard first.type.isNumber || first.type == .null else {
                throw TranslationRefusal(
                    "\(call.name)(\(first.sql))", "sums of \(first.type.rawValue) values convert each value differently"
                )
            }
            if name == "sum" { return .atom("SUM(\(distinct)\(first.sql))", first.type) }
            // avg() and total() are REALs in SQLite; MariaDB averages integers and decimals as DECIMAL.
            if name == "avg" { return .atom("AVG(\(distinct)CAST(\(first.sql) AS DOUBLE))", .real) }
            return .atom("(COALESCE(SUM(\(distinct)\(first.sql)), 0) + 0e0)", .real)
        case "min", "max":
            return .atom("\(name.uppercased())(\(distinct)\(first.sql))", first.type)
        default:
            return try groupConcat(call, args)
        }
    }

    mutating func groupConcat(_ call: SQLFunctionCall, _ args: [TranslatedSQL]) throws -> TranslatedSQL {
        guard [SQLValueType.text, .integer, .null, .unknown].contains(args[0].type) else {
            throw TranslationRefusal(
                "\(call.name)(\(args[0].sql))", "SQLite writes a \(args[0].type.rawValue) value as text its own way")
        }
        var separator = ""
        if args.count == 2 {
            guard case .literal(.string) = call.arguments[1] else {
                throw TranslationRefusal("\(call.name)(…, \(args[1].sql))", "MariaDB's SEPARATOR must be a literal")
            }
            separator = " SEPARATOR " + args[1].sql
        } else if call.name.lowercased() == "string_agg" || args.count > 2 {
            throw TranslationRefusal("\(call.name)()", "called with \(args.count) argument(s)")
        }
        var order = ""
        if !call.orderBy.isEmpty {
            order = " ORDER BY " + (try orderTerms(call.orderBy))
        } else {
            note("group_concat(): without ORDER BY the order of the values is unspecified in both databases")
        }
        note("group_concat(): MariaDB cuts results longer than group_concat_max_len (1 MB by default)")
        return .atom("GROUP_CONCAT(\(call.distinct ? "DISTINCT " : "")\(args[0].sql)\(order)\(separator))", .text)
    }

    mutating func windowFunction(_ call: SQLFunctionCall, _ name: String, _ window: SQLWindow) throws -> TranslatedSQL {
        if context == .generatedColumn {
            throw TranslationRefusal("\(call.name)() OVER", "a window function in a generated column")
        }
        var inner = call
        inner.over = nil
        let translated: TranslatedSQL
        if Self.windowOnly.contains(name) {
            let args = try call.arguments.map { try translate($0).sql }
            let type: SQLValueType =
                ["percent_rank", "cume_dist"].contains(name)
                ? .real
                : (["lag", "lead", "first_value", "last_value", "nth_value"].contains(name) ? .unknown : .integer)
            translated = .atom("\(name.uppercased())(\(args.joined(separator: ", ")))", type)
        } else {
            let saved = frames
            frames = []
            defer { frames = saved }
            translated = try aggregate(inner, name)
        }
        return .atom("\(translated.sql) OVER \(try windowSpecification(window))", translated.type)
    }

    mutating func windowSpecification(_ window: SQLWindow) throws -> String {
        if let base = window.base, window.partitionBy.isEmpty, window.orderBy.isEmpty, window.frame == nil {
            return Self.quote(base)
        }
        var parts: [String] = []
        if let base = window.base { parts.append(Self.quote(base)) }
        if !window.partitionBy.isEmpty {
            parts.append(
                "PARTITION BY " + (try window.partitionBy.map { try translate($0).sql }).joined(separator: ", "))
        }
        if !window.orderBy.isEmpty { parts.append("ORDER BY " + (try orderTerms(window.orderBy))) }
        if let frame = window.frame {
            guard frame.unit != "GROUPS" else { throw TranslationRefusal("GROUPS", "MariaDB has no GROUPS frames") }
            guard frame.exclude == nil else { throw TranslationRefusal("EXCLUDE", "MariaDB has no frame exclusion") }
            var text = frame.unit + " "
            if let end = frame.end {
                text += "BETWEEN \(try bound(frame.start)) AND \(try bound(end))"
            } else {
                text += try bound(frame.start)
            }
            parts.append(text)
        }
        return "(\(parts.joined(separator: " ")))"
    }

    mutating func bound(_ bound: SQLFrame.Bound) throws -> String {
        switch bound {
        case .unboundedPreceding: return "UNBOUNDED PRECEDING"
        case .unboundedFollowing: return "UNBOUNDED FOLLOWING"
        case .currentRow: return "CURRENT ROW"
        case .preceding(let e): return "\(try translate(e).sql) PRECEDING"
        case .following(let e): return "\(try translate(e).sql) FOLLOWING"
        }
    }

    /// ORDER BY terms. SQLite sorts NULLs first ascending and last descending, as MariaDB does; an explicit
    /// NULLS FIRST/LAST against that default becomes a leading `x IS NULL` key.
    mutating func orderTerms(_ terms: [SQLOrderTerm]) throws -> String {
        var parts: [String] = []
        for term in terms {
            var expression = term.expression
            if let collation = term.collation { expression = .collate(expression, collation) }
            let t = try translate(expression)
            if let nulls = term.nulls, (nulls == "LAST") != term.descending {
                parts.append("\(Self.operand(t, 7)) IS NULL\(nulls == "LAST" ? "" : " DESC")")
            }
            parts.append(t.sql + (term.descending ? " DESC" : ""))
        }
        return parts.joined(separator: ", ")
    }
}
