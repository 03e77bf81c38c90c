import Foundation

/// A generated column's definition in a CREATE TABLE: `name … [GENERATED ALWAYS] AS (expr) [VIRTUAL|STORED]`.
struct GeneratedColumnDefinition {
    var name: String
    var expression: SQLExpr
    /// The expression as written.
    var text: String
    var stored: Bool
}

extension SQLParser {
    /// The generated columns of a CREATE TABLE statement, by lowercased name. `PRAGMA table_xinfo` says
    /// which columns are generated but not their expressions, which only the statement holds.
    static func generatedColumns(_ createTable: String) throws -> [String: GeneratedColumnDefinition] {
        var parser = try SQLParser(createTable)
        while !parser.current.isSymbol("(") {
            guard parser.current.kind != .end else { return [:] }
            _ = parser.advance()
        }
        _ = parser.advance()
        let characters = Array(createTable)
        var result: [String: GeneratedColumnDefinition] = [:]
        while parser.current.kind != .end && !parser.current.isSymbol(")") {
            let first = parser.current
            let constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].contains(first.keyword ?? "")
            let name = first.text
            _ = parser.advance()
            var depth = 0
            while parser.current.kind != .end {
                let token = parser.current
                if depth == 0 && (token.isSymbol(",") || token.isSymbol(")")) { break }
                if token.isSymbol("(") { depth += 1 }
                if token.isSymbol(")") { depth -= 1 }
                if !constraint && depth == 0 && token.isKeyword("AS") && parser.peek().isSymbol("(") {
                    _ = parser.advance()
                    let open = parser.advance().offset
                    let expression = try parser.expression()
                    let close = parser.current.offset
                    try parser.expect(symbol: ")")
                    let stored = parser.current.isKeyword("STORED")
                    let text = String(characters[(open + 1)..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
                    result[name.lowercased()] = GeneratedColumnDefinition(
                        name: name, expression: expression, text: text, stored: stored)
                    continue
                }
                _ = parser.advance()
            }
            _ = parser.accept(symbol: ",")
        }
        return result
    }
}
