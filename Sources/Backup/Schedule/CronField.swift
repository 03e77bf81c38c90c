/// The values one cron field allows, as a bit set over the field's range.
struct CronField: Hashable, Sendable {
    let bits: UInt64
    let range: ClosedRange<Int>
    /// The field was written starting with `*` (`*` or `*/n`). Cron's day rule looks at this, not at the values.
    let isStar: Bool

    init(values: some Sequence<Int>, range: ClosedRange<Int>, isStar: Bool) {
        var bits: UInt64 = 0
        for value in values where range.contains(value) { bits |= 1 << UInt64(value) }
        self.bits = bits
        self.range = range
        self.isStar = isStar
    }

    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest allowed value ≥ `value`.
    func first(atLeast value: Int) -> Int? {
        var candidate = max(value, range.lowerBound)
        while candidate <= range.upperBound {
            if contains(candidate) { return candidate }
            candidate += 1
        }
        return nil
    }

    /// The largest allowed value ≤ `value`.
    func last(atMost value: Int) -> Int? {
        var candidate = min(value, range.upperBound)
        while candidate >= range.lowerBound {
            if contains(candidate) { return candidate }
            candidate -= 1
        }
        return nil
    }

    var values: [Int] { range.filter(contains) }
}
