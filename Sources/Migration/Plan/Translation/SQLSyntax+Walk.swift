extension SQLExpr {
    /// The expressions directly inside this one (not inside nested queries).
    var children: [SQLExpr] {
        switch self {
        case .unary(_, let e), .isNull(let e, _), .collate(let e, _), .cast(let e, _), .inTable(let e, _, _),
            .inSelect(let e, _, _):
            return [e]
        case .binary(_, let a, let b): return [a, b]
        case .between(let a, let b, let c, _): return [a, b, c]
        case .inList(let e, let items, _): return [e] + items
        case .pattern(_, let a, let b, let c, _): return [a, b] + (c.map { [$0] } ?? [])
        case .caseWhen(let base, let whens, let otherwise):
            return (base.map { [$0] } ?? []) + whens.flatMap { [$0.condition, $0.result] }
                + (otherwise.map { [$0] } ?? [])
        case .function(let call): return call.arguments + (call.filter.map { [$0] } ?? [])
        case .row(let items): return items
        case .literal, .column, .raise, .variable, .subquery, .exists: return []
        }
    }

    /// The queries nested in this expression (IN, EXISTS, scalar subqueries), at any depth of it.
    var subqueries: [SQLSelect] {
        var own: [SQLSelect] = []
        switch self {
        case .subquery(let select), .exists(let select), .inSelect(_, let select, _): own = [select]
        default: break
        }
        return own + children.flatMap(\.subqueries)
    }

    /// Whether RAISE(…) appears anywhere in it, nested queries included.
    var containsRaise: Bool {
        if case .raise = self { return true }
        return children.contains(where: \.containsRaise) || subqueries.contains(where: \.containsRaise)
    }
}

extension SQLSelect {
    /// Every expression of the query's own clauses, common tables and compound parts included.
    var expressions: [SQLExpr] {
        var result = orderBy.map(\.expression) + [limit, offset].compactMap { $0 }
        for table in with { result += table.select.expressions }
        func visit(_ body: SQLSelectBody) {
            switch body {
            case .core(let core):
                for case .expression(let e, _) in core.columns { result.append(e) }
                result += [core.whereClause, core.having].compactMap { $0 } + core.groupBy
                if let from = core.from { visitFrom(from) }
            case .values(let rows): result += rows.joined()
            case .compound(let l, _, let r):
                visit(l)
                visit(r)
            }
        }
        func visitFrom(_ item: SQLFromItem) {
            switch item {
            case .subquery(let select, _): result += select.expressions
            case .tableFunction(_, let arguments, _): result += arguments
            case .join(let l, let join, let r):
                visitFrom(l)
                visitFrom(r)
                if let on = join.on { result.append(on) }
            case .table: break
            }
        }
        visit(body)
        return result
    }

    var containsRaise: Bool { expressions.contains(where: \.containsRaise) }
}

extension SQLWindow {
    /// The definition without its name, as `WINDOW w AS (…)` writes it.
    var unnamed: SQLWindow { SQLWindow(base: base, partitionBy: partitionBy, orderBy: orderBy, frame: frame) }
}
