import Foundation

/// Audit timestamps: RFC 3339 in UTC with microseconds (`2026-12-02T20:24:52.908155Z`), the application log's
/// form, which sorts as text in time order.
public enum AuditTime {
    public static func format(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        let micro = Int(((date.timeIntervalSince1970 - Double(seconds)) * 1_000_000).rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), min(micro, 999_999))
    }

    /// Reads `format`'s output, or the same without fraction; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard text.hasSuffix("Z"), text.count >= 20 else { return nil }
        if let dot = text.firstIndex(of: ".") {
            let whole = String(text[..<dot]) + "Z"
            let fraction = Double("0" + text[dot..<text.index(before: text.endIndex)]) ?? 0
            return formatter.date(from: whole).map { $0.addingTimeInterval(fraction) }
        }
        return formatter.date(from: text)
    }
}
