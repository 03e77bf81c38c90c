import Foundation

/// An account's or a role's `SHOW GRANTS` lines, read into what they give: privileges per object, roles
/// granted and the default role.
struct GrantList: Sendable {
    var privileges: Set<Privilege> = []
    var roles: Set<String> = []
    var defaultRole: String?
    var withGrantOption: Set<String> = []
    /// Lines this reader does not take apart (column grants, procedures, proxies): reported as they are.
    var other: [String] = []

    init(lines: [String]) {
        for line in lines { read(line) }
    }

    private mutating func read(_ line: String) {
        if line.hasPrefix("SET DEFAULT ROLE ") {
            defaultRole = Self.unquote(Self.word(after: "SET DEFAULT ROLE ", in: line))
            return
        }
        guard line.hasPrefix("GRANT "), let on = line.range(of: " ON "), let to = line.range(of: " TO ") else {
            if line.hasPrefix("GRANT "), let to = line.range(of: " TO ") {
                // GRANT `role` TO `user`@`host`
                roles.insert(Self.unquote(String(line[line.index(line.startIndex, offsetBy: 6)..<to.lowerBound])))
            } else {
                other.append(line)
            }
            return
        }
        guard on.lowerBound < to.lowerBound else { return other.append(line) }
        let list = String(line[line.index(line.startIndex, offsetBy: 6)..<on.lowerBound])
        let object = String(line[on.upperBound..<to.lowerBound]).replacingOccurrences(of: "`", with: "")
        guard !object.hasPrefix("PROCEDURE "), !object.hasPrefix("FUNCTION "), !object.hasPrefix("PACKAGE ") else {
            return other.append(line)
        }
        for name in Self.split(list) {
            if name.contains("(") {
                other.append("GRANT \(name) ON \(object)")
            } else if name == "ALL PRIVILEGES" || name == "ALL" {
                privileges.insert(Privilege(name: "ALL PRIVILEGES", object: object))
            } else if name != "USAGE" {
                privileges.insert(Privilege(name: name, object: object))
            }
        }
        if line.hasSuffix(" WITH GRANT OPTION") { withGrantOption.insert(object) }
    }

    /// `SELECT, INSERT (a, b), UPDATE` → the three, keeping a column list with its privilege.
    static func split(_ list: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in list {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty {
            parts.append(current.trimmingCharacters(in: .whitespaces))
        }
        return parts
    }

    static func word(after prefix: String, in line: String) -> String {
        let rest = line.dropFirst(prefix.count)
        return String(rest.prefix { $0 != " " })
    }

    static func unquote(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let name = trimmed.split(separator: "@").first.map(String.init) ?? trimmed
        return name.trimmingCharacters(in: CharacterSet(charactersIn: "`'"))
    }
}
