import Foundation

/// SQL-injection signatures, matched on a statement whose literals are masked (`AuditSearch.maskLiterals`):
/// data that merely contains "UNION SELECT" sits inside a literal and is gone; an injection changes the
/// statement's shape outside the literals, which is what is left.
enum InjectionSignatures {
    static let patterns: [(name: String, regex: NSRegularExpression)] = [
        ("UNION-based", #"\bUNION\s+(ALL\s+)?SELECT\b"#),
        ("time-based (SLEEP/BENCHMARK)", #"\b(SLEEP|BENCHMARK|PG_SLEEP)\s*\("#),
        ("tautology", #"\bOR\s+('\?'|\d+)\s*=\s*('\?'|\d+)|\bOR\s+(TRUE|1)\b"#),
        ("comment truncation", #"(--(\s|$)|#|/\*)"#),
        ("stacked query", #";\s*\S"#),
        ("information_schema probing", #"\binformation_schema\b"#),
    ].map { ($0.0, try! NSRegularExpression(pattern: $0.1, options: [.caseInsensitive])) }

    /// The names of the signatures `masked` shows.
    static func match(_ masked: String) -> [String] {
        let range = NSRange(masked.startIndex..., in: masked)
        return patterns.filter { $0.regex.firstMatch(in: masked, range: range) != nil }.map(\.name)
    }
}
