extension CronSchedule {
    static let aliases: [String: String] = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    struct FieldSpec {
        let name: String
        let range: ClosedRange<Int>
        /// Names for the values from `range.lowerBound` on.
        let names: [String]
    }

    static let specs = [
        FieldSpec(name: "minute", range: 0...59, names: []),
        FieldSpec(name: "hour", range: 0...23, names: []),
        FieldSpec(name: "day-of-month", range: 1...31, names: []),
        FieldSpec(name: "month", range: 1...12, names: monthNames),
        // 7 is accepted as Sunday and folded onto 0 after parsing.
        FieldSpec(name: "day-of-week", range: 0...7, names: weekdayNames),
    ]

    static func parseFields(
        _ expression: String
    ) throws(ScheduleError) -> (CronField, CronField, CronField, CronField, CronField) {
        var text = expression
        if expression.hasPrefix("@") {
            guard let expansion = aliases[expression.lowercased()] else {
                throw ScheduleError(
                    .unknownName, expression: expression,
                    "unknown alias \(expression) (@hourly, @daily, @weekly, @monthly, @yearly)")
            }
            text = expansion
        }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw ScheduleError(
                .syntax, expression: expression,
                "expected 5 fields (minute hour day-of-month month day-of-week), found \(parts.count)")
        }
        var fields: [CronField] = []
        for (part, spec) in zip(parts, specs) {
            fields.append(try parseField(part, spec, expression: expression))
        }
        let sundayFolded = CronField(
            values: fields[4].values.map { $0 == 7 ? 0 : $0 }, range: 0...6, isStar: fields[4].isStar)
        return (fields[0], fields[1], fields[2], fields[3], sundayFolded)
    }

    static func parseField(_ text: String, _ spec: FieldSpec, expression: String) throws(ScheduleError) -> CronField {
        func fail(_ code: ScheduleError.Code, _ message: String) -> ScheduleError {
            ScheduleError(code, expression: expression, field: spec.name, message)
        }
        var values: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail(.syntax, "has an empty list item (\(text))") }
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { throw fail(.syntax, "has more than one step in \(item)") }
            let base = String(stepParts[0])
            var step = 1
            if stepParts.count == 2 {
                guard let parsed = Int(stepParts[1]) else {
                    throw fail(.syntax, "step \(stepParts[1]) is not a number")
                }
                guard (1...spec.range.upperBound).contains(parsed) else {
                    throw fail(.outOfRange, "step \(parsed) out of range 1-\(spec.range.upperBound)")
                }
                step = parsed
            }
            let bounds: ClosedRange<Int>
            if base == "*" {
                bounds = spec.range
            } else {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard ends.count <= 2, !ends.contains(where: \.isEmpty) else {
                    throw fail(.syntax, "has a malformed range \(base)")
                }
                let low = try value(ends[0], spec, expression: expression)
                let high = try ends.count == 2 ? value(ends[1], spec, expression: expression) : low
                guard low <= high else { throw fail(.outOfRange, "range \(base) runs backwards") }
                if ends.count == 1 && stepParts.count == 2 {
                    throw fail(.syntax, "step \(item) needs a range or * before the /")
                }
                bounds = low...high
            }
            values.append(contentsOf: stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return CronField(values: values, range: spec.range, isStar: text.hasPrefix("*"))
    }

    static func value(_ text: String, _ spec: FieldSpec, expression: String) throws(ScheduleError) -> Int {
        let range = "\(spec.range.lowerBound)-\(spec.range.upperBound)"
        if let number = Int(text) {
            guard spec.range.contains(number) else {
                throw ScheduleError(
                    .outOfRange, expression: expression, field: spec.name, "\(number) out of range \(range)")
            }
            return number
        }
        if let index = spec.names.firstIndex(of: text.lowercased()) {
            return spec.range.lowerBound + index
        }
        let names = spec.names.isEmpty ? "" : " or a name (\(spec.names.first!)-\(spec.names.last!))"
        throw ScheduleError(
            spec.names.isEmpty ? .syntax : .unknownName, expression: expression, field: spec.name,
            "\(text) is not a number in \(range)\(names)")
    }
}
