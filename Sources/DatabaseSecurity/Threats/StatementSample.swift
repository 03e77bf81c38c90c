import Foundation

/// One statement from the server's statement history (`performance_schema.events_statements_history_long`)
/// that sent rows of a personal-data table: who ran it, when, and how many rows it sent.
public struct StatementSample: Sendable, Hashable {
    /// performance_schema's thread; a session is one thread for its whole life.
    public var thread: Int64
    public var event: Int64
    /// The connection id (`CONNECTION_ID()`, the audit log's), the account and its host; nil when the session
    /// had ended before it was read and no earlier read saw it.
    public var session: Int64?
    public var user: String?
    public var host: String?
    /// How the account was found when the session had already ended (see `StatementStore`).
    public var attributed: String?
    /// When it could not be: the accounts that may have run it.
    public var candidates: [String] = []
    /// The statement's digest text (values replaced by `?`).
    public var text: String
    public var rowsSent: Int64
    public var time: Date
    /// The `schema.table` personal-data tables it names.
    public var tables: [String]

    public init(
        thread: Int64, event: Int64, session: Int64? = nil, user: String? = nil, host: String? = nil,
        attributed: String? = nil, text: String, rowsSent: Int64, time: Date, tables: [String]
    ) {
        self.thread = thread
        self.event = event
        self.session = session
        self.user = user
        self.host = host
        self.attributed = attributed
        self.text = text
        self.rowsSent = rowsSent
        self.time = time
        self.tables = tables
    }

    public var account: String { "\(user ?? "unknown")@\(host ?? "unknown")" }

    /// The `schema.table` names of `pii` a statement's digest text names: qualified (`` `shop` . `customers` ``)
    /// or, in the statement's current schema, unqualified.
    public static func tables(in text: String, currentSchema: String?, pii: Set<String>) -> [String] {
        let tokens = identifiers(text)
        var found: [String] = []
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            if index + 2 < tokens.count, tokens[index + 1] == ".", token != "." {
                let name = (token + "." + tokens[index + 2]).lowercased()
                if pii.contains(name), !found.contains(name) { found.append(name) }
                index += 3
                continue
            }
            if token != ".", let schema = currentSchema {
                let name = (schema + "." + token).lowercased()
                if pii.contains(name), !found.contains(name) { found.append(name) }
            }
            index += 1
        }
        return found
    }

    /// The identifiers (backquoted or bare words) and dots of a statement, literals skipped.
    static func identifiers(_ text: String) -> [String] {
        var tokens: [String] = []
        var characters = Array(text)[...]
        while let first = characters.first {
            switch first {
            case "`":
                characters = characters.dropFirst()
                var name = ""
                while let next = characters.first {
                    characters = characters.dropFirst()
                    if next == "`" {
                        if characters.first == "`" {
                            name.append("`")
                            characters = characters.dropFirst()
                            continue
                        }
                        break
                    }
                    name.append(next)
                }
                tokens.append(name)
            case "'", "\"":
                characters = characters.dropFirst()
                while let next = characters.first {
                    characters = characters.dropFirst()
                    if next == "\\" {
                        characters = characters.dropFirst()
                    } else if next == first {
                        break
                    }
                }
            case ".":
                tokens.append(".")
                characters = characters.dropFirst()
            case _ where first.isLetter || first == "_" || first == "$":
                var word = ""
                while let next = characters.first, next.isLetter || next.isNumber || next == "_" || next == "$" {
                    word.append(next)
                    characters = characters.dropFirst()
                }
                tokens.append(word)
            default:
                characters = characters.dropFirst()
            }
        }
        return tokens
    }
}
