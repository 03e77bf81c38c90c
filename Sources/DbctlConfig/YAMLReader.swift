import Foundation
import Yams

/// A strict walk over a YAML mapping: every key must be read (or is reported as unknown), every value must
/// have the expected type, and each problem names the dotted key it is at.
struct YAMLReader {
    let file: String
    let key: String
    let node: Node

    init(file: String, key: String, node: Node) {
        self.file = file
        self.key = key
        self.node = node
    }

    func error(_ code: ConfigurationError.Code, _ message: String, at child: String? = nil) -> ConfigurationError {
        ConfigurationError(code, file: file, key: child.map(path) ?? key, message)
    }

    func path(_ child: String) -> String { key.isEmpty ? child : key + "." + child }

    /// The mapping's entries by key, after refusing keys that are not in `allowed`.
    func mapping(allowed: Set<String>) throws -> Mapping {
        guard case .mapping(let mapping) = node else { throw error(.invalidValue, "expected a mapping of keys") }
        var entries: [String: Node] = [:]
        for (name, value) in mapping {
            guard let text = name.string else { throw error(.syntax, "a key must be text") }
            guard allowed.contains(text) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw error(.unknownKey, "unknown key (known here: \(known))", at: text)
            }
            entries[text] = value
        }
        return Mapping(reader: self, entries: entries)
    }

    func sequence() throws -> [YAMLReader] {
        guard case .sequence(let items) = node else { throw error(.invalidValue, "expected a list") }
        return items.enumerated().map { YAMLReader(file: file, key: "\(key)[\($0.offset)]", node: $0.element) }
    }

    struct Mapping {
        let reader: YAMLReader
        let entries: [String: Node]

        func has(_ name: String) -> Bool { entries[name] != nil }

        func child(_ name: String) -> YAMLReader? {
            entries[name].map { YAMLReader(file: reader.file, key: reader.path(name), node: $0) }
        }

        func required(_ name: String) throws -> YAMLReader {
            guard let child = child(name) else { throw reader.error(.missingKey, "required key is missing", at: name) }
            return child
        }

        func string(_ name: String) throws -> String? {
            try child(name)?.scalarText()
        }

        func requiredString(_ name: String) throws -> String {
            try required(name).scalarText()
        }

        func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
            guard let child = child(name) else { return nil }
            let text = try child.scalarText()
            guard let value = Int(text), range.contains(value) else {
                throw child.error(
                    .invalidValue, "expected a whole number in \(range.lowerBound)...\(range.upperBound), got \(text)")
            }
            return value
        }

        func bool(_ name: String) throws -> Bool? {
            guard let child = child(name) else { return nil }
            switch try child.scalarText().lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            case let other: throw child.error(.invalidValue, "expected true or false, got \(other)")
            }
        }

        /// A duration written as `90s`, `15m`, `4h`, `7d` (or a bare number of seconds).
        func duration(_ name: String) throws -> TimeInterval? {
            guard let child = child(name) else { return nil }
            return try child.duration()
        }
    }

    func scalarText() throws -> String {
        guard case .scalar(let scalar) = node else { throw error(.invalidValue, "expected a single value") }
        return scalar.string
    }

    func duration() throws -> TimeInterval {
        let text = try scalarText().trimmingCharacters(in: .whitespaces)
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last, let factor = units[unit], let number = Double(text.dropLast()), number >= 0 {
            return number * factor
        }
        if let seconds = Double(text), seconds >= 0 { return seconds }
        throw error(.invalidValue, "expected a duration such as 90s, 15m, 4h or 7d, got \(text)")
    }
}
