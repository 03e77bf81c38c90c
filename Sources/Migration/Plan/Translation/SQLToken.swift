/// One lexical token of SQLite SQL. `text` holds the token's value: an identifier's name without its
/// quotes, a string literal's content with `''` undone, a number as written.
struct SQLToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A bare word: an identifier or a keyword (SQLite decides by position).
        case word
        /// `"name"`, `[name]` or `` `name` ``; the quote character tells which.
        case quoted(Character)
        case string
        /// `X'…'`: `text` is the hex digits.
        case blob
        case integer
        case real
        /// `?`, `?1`, `:name`, `@name`, `$name`.
        case variable
        /// Punctuation and operators: `(`, `)`, `,`, `.`, `;`, `||`, `->>`, `<=`, …
        case symbol
        case end
    }

    var kind: Kind
    var text: String
    /// Character offset in the statement, for messages.
    var offset: Int

    /// The uppercased text of a bare word, for keyword comparisons.
    var keyword: String? { kind == .word ? text.uppercased() : nil }

    func isKeyword(_ word: String) -> Bool { kind == .word && text.uppercased() == word }
    func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }

    /// How the token looked in the source, for naming it in a refusal.
    var display: String {
        switch kind {
        case .quoted(let q): return q == "[" ? "[\(text)]" : "\(q)\(text)\(q)"
        case .string: return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        case .blob: return "X'\(text)'"
        case .end: return "end of statement"
        default: return text
        }
    }
}

/// Splits SQLite SQL into tokens, dropping whitespace and comments. Follows SQLite's tokenizer
/// (tokenize.c): three identifier quotings, `''` inside strings, `X'…'` blobs, `0x` integers.
struct SQLTokenizer {
    static func tokenize(_ sql: String) throws -> [SQLToken] {
        let chars = Array(sql)
        var tokens: [SQLToken] = []
        var i = 0
        func peek(_ offset: Int = 0) -> Character? { i + offset < chars.count ? chars[i + offset] : nil }
        func isIdentifierStart(_ c: Character) -> Bool {
            c.isLetter || c == "_" || (c.unicodeScalars.first?.value ?? 0) > 0x7F
        }
        func isIdentifierPart(_ c: Character) -> Bool { isIdentifierStart(c) || c.isASCII && c.isNumber || c == "$" }
        while i < chars.count {
            let c = chars[i]
            let start = i
            if c.isWhitespace { i += 1; continue }
            if c == "-" && peek(1) == "-" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/" && peek(1) == "*" {
                i += 2
                while i < chars.count && !(chars[i] == "*" && peek(1) == "/") { i += 1 }
                i = min(chars.count, i + 2)
                continue
            }
            if (c == "x" || c == "X") && peek(1) == "'" {
                i += 2
                var hex = ""
                while i < chars.count && chars[i] != "'" { hex.append(chars[i]); i += 1 }
                guard i < chars.count, hex.count % 2 == 0, hex.allSatisfy(\.isHexDigit) else {
                    throw TranslationRefusal("X'\(hex)", "malformed blob literal")
                }
                i += 1
                tokens.append(SQLToken(kind: .blob, text: hex, offset: start))
                continue
            }
            if isIdentifierStart(c) {
                var word = ""
                while i < chars.count && isIdentifierPart(chars[i]) { word.append(chars[i]); i += 1 }
                tokens.append(SQLToken(kind: .word, text: word, offset: start))
                continue
            }
            if c == "'" || c == "\"" || c == "`" || c == "[" {
                let close: Character = c == "[" ? "]" : c
                i += 1
                var value = ""
                var closed = false
                while i < chars.count {
                    if chars[i] == close {
                        if close != "]" && peek(1) == close { value.append(close); i += 2; continue }
                        closed = true
                        i += 1
                        break
                    }
                    value.append(chars[i])
                    i += 1
                }
                guard closed else { throw TranslationRefusal(String(c) + value.prefix(20), "unterminated quote") }
                tokens.append(SQLToken(kind: c == "'" ? .string : .quoted(c), text: value, offset: start))
                continue
            }
            if c.isASCII && c.isNumber || (c == "." && (peek(1).map { $0.isASCII && $0.isNumber } ?? false)) {
                tokens.append(try number(chars, &i))
                continue
            }
            if c == "?" || c == ":" || c == "@" || c == "$" {
                var name = String(c)
                i += 1
                while i < chars.count && isIdentifierPart(chars[i]) { name.append(chars[i]); i += 1 }
                tokens.append(SQLToken(kind: .variable, text: name, offset: start))
                continue
            }
            let three = String(chars[i..<min(chars.count, i + 3)])
            let two = String(chars[i..<min(chars.count, i + 2)])
            if three == "->>" {
                tokens.append(SQLToken(kind: .symbol, text: three, offset: start)); i += 3
            } else if ["||", "->", "<=", ">=", "==", "!=", "<>", "<<", ">>"].contains(two) {
                tokens.append(SQLToken(kind: .symbol, text: two, offset: start)); i += 2
            } else if "(),.;+-*/%<>=&|~".contains(c) {
                tokens.append(SQLToken(kind: .symbol, text: String(c), offset: start)); i += 1
            } else {
                throw TranslationRefusal(String(c), "unexpected character at offset \(start)")
            }
        }
        tokens.append(SQLToken(kind: .end, text: "", offset: chars.count))
        return tokens
    }

    private static func number(_ chars: [Character], _ i: inout Int) throws -> SQLToken {
        let start = i
        func digit(_ k: Int) -> Bool { k < chars.count && chars[k].isASCII && chars[k].isNumber }
        if chars[i] == "0", i + 1 < chars.count, chars[i + 1] == "x" || chars[i + 1] == "X" {
            i += 2
            var hex = ""
            while i < chars.count && chars[i].isHexDigit { hex.append(chars[i]); i += 1 }
            guard !hex.isEmpty, hex.count <= 16, let bits = UInt64(hex, radix: 16) else {
                throw TranslationRefusal("0x" + hex, "hexadecimal integer out of range")
            }
            // SQLite reads 0x literals as the 64-bit two's complement value.
            return SQLToken(kind: .integer, text: String(Int64(bitPattern: bits)), offset: start)
        }
        var text = ""
        var isReal = false
        while digit(i) { text.append(chars[i]); i += 1 }
        if i < chars.count && chars[i] == "." {
            isReal = true
            text.append("."); i += 1
            while digit(i) { text.append(chars[i]); i += 1 }
        }
        if i < chars.count, chars[i] == "e" || chars[i] == "E" {
            var k = i + 1
            if k < chars.count, chars[k] == "+" || chars[k] == "-" { k += 1 }
            if digit(k) {
                isReal = true
                text += String(chars[i..<k])
                i = k
                while digit(i) { text.append(chars[i]); i += 1 }
            }
        }
        if i < chars.count, chars[i].isLetter || chars[i] == "_" {
            throw TranslationRefusal(text + String(chars[i]), "malformed number")
        }
        return SQLToken(kind: isReal ? .real : .integer, text: text, offset: start)
    }
}
