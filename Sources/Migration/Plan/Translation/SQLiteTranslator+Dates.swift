extension SQLiteTranslator {
    /// strftime() conversions with an identical DATE_FORMAT() conversion.
    static let formatConversions: [Character: String] = [
        "Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "M": "%i", "S": "%s", "j": "%j", "w": "%w", "%": "%%",
    ]

    /// date(), time(), datetime(), strftime() and unixepoch() on a DATE/DATETIME column, an ISO literal or
    /// 'now', with `±N days|hours|minutes|seconds` and 'unixepoch' modifiers; nil when `name` is no date function.
    mutating func dateFunction(_ call: SQLFunctionCall, _ name: String) throws -> TranslatedSQL? {
        let format: String
        var arguments = call.arguments
        switch name {
        case "date": format = "%Y-%m-%d"
        case "time": format = "%H:%i:%s"
        case "datetime": format = "%Y-%m-%d %H:%i:%s"
        case "strftime":
            guard case .literal(.string(let text))? = arguments.first else {
                throw TranslationRefusal("strftime()", "the format is not a string literal")
            }
            arguments.removeFirst()
            format = try Self.dateFormat(text)
        case "unixepoch": format = Self.epochSeconds
        default: return nil
        }
        guard !arguments.isEmpty else { throw TranslationRefusal("\(call.name)()", "without a time value") }
        var modifiers = arguments.dropFirst()
        var value: String
        if case .literal(.string(let first))? = modifiers.first, first.lowercased() == "unixepoch" {
            modifiers.removeFirst()
            let seconds = try translate(arguments[0])
            guard seconds.type == .integer else {
                throw TranslationRefusal(
                    "\(call.name)(\(seconds.sql), 'unixepoch')", "the seconds are not an integer column or value")
            }
            value = "TIMESTAMPADD(SECOND, \(seconds.sql), '1970-01-01 00:00:00')"
        } else {
            value = try timeValue(arguments[0], call.name)
        }
        for modifier in modifiers { value = try modify(value, modifier, call.name) }
        if format == Self.epochSeconds {
            // Seconds since 1970 without the session time zone that UNIX_TIMESTAMP() applies.
            return .atom("TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', \(value))", .integer)
        }
        return .atom("DATE_FORMAT(\(value), \(Self.stringLiteral(format)))", .text)
    }

    /// Not a DATE_FORMAT format: strftime('%s') and unixepoch(), seconds since 1970.
    static let epochSeconds = "\u{0}epoch"

    static func dateFormat(_ text: String) throws -> String {
        if text == "%s" { return epochSeconds }
        var out = ""
        var characters = Array(text)[...]
        while let c = characters.popFirst() {
            guard c == "%" else {
                out.append(c)
                continue
            }
            guard let spec = characters.popFirst(), let converted = formatConversions[spec] else {
                throw TranslationRefusal(
                    "strftime('\(text)')",
                    "only %Y %m %d %H %M %S %j %w %% have an identical DATE_FORMAT conversion")
            }
            out += converted
        }
        return out
    }

    /// The MariaDB DATETIME expression for the time value SQLite's date functions take.
    mutating func timeValue(_ expression: SQLExpr, _ function: String) throws -> String {
        if case .literal(.string(let text)) = expression {
            if text.lowercased() == "now" {
                guard context != .generatedColumn else {
                    throw TranslationRefusal("\(function)('now')", "not allowed in a generated column")
                }
                return "UTC_TIMESTAMP()"
            }
            guard let parsed = ValueConversion.parseISODateTime(text) else {
                throw TranslationRefusal("\(function)('\(text)')", "not an ISO date MariaDB reads the same way")
            }
            return "CAST(\(Self.stringLiteral(parsed.value.description)) AS DATETIME(6))"
        }
        let value = try translate(expression)
        switch value.type {
        case .temporal: return value.sql
        case .text where context == .view:
            note(
                "\(function)() on a text column reads ISO-8601 text; "
                    + "SQLite also reads time-zone suffixes and Julian days"
            )
            return value.sql
        case .integer:
            throw TranslationRefusal(
                "\(function)(\(value.sql))", "SQLite reads a number as a Julian day unless 'unixepoch' follows")
        default:
            throw TranslationRefusal(
                "\(function)(\(value.sql))", "the value is \(value.type.rawValue), not a DATE/DATETIME column")
        }
    }

    func modify(_ value: String, _ modifier: SQLExpr, _ function: String) throws -> String {
        guard case .literal(.string(let text)) = modifier else {
            throw TranslationRefusal("\(function)(…, modifier)", "the modifier is not a string literal")
        }
        let words = text.lowercased().split(separator: " ").map(String.init)
        let units = [
            "day": "DAY", "days": "DAY", "hour": "HOUR", "hours": "HOUR", "minute": "MINUTE",
            "minutes": "MINUTE", "second": "SECOND", "seconds": "SECOND",
        ]
        if words.count == 2, let amount = Int(words[0]), let unit = units[words[1]] {
            return "(\(value) \(amount < 0 ? "-" : "+") INTERVAL \(abs(amount)) \(unit))"
        }
        if words == ["start", "of", "day"] { return "CAST(DATE(\(value)) AS DATETIME(6))" }
        throw TranslationRefusal(
            "\(function)(…, '\(text)')",
            "only '±N days/hours/minutes/seconds' and 'start of day' modifiers are translated")
    }
}
