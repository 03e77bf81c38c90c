import Foundation

/// The rules every object key follows, whatever the location: a backup is fanned out to all locations, so a
/// key that one kind cannot store exactly is refused everywhere.
///
/// A key is a relative path of plain segments separated by `/`: no leading or trailing `/`, no empty, `.` or
/// `..` segment (a key must never reach outside the location's directory), no control characters, and no `"`
/// or `\` (SFTP's batch syntax cannot carry them unambiguously). The suffix `.partial` is reserved for
/// uploads in progress. At most 1024 bytes, as in S3.
public enum LocationKey {
    /// The suffix of an object still being written by posix and SFTP locations.
    public static let partialSuffix = ".partial"

    /// Why `key` is refused, or nil when it is a valid key.
    public static func problem(with key: String) -> String? {
        if key.isEmpty { return "the key is empty" }
        if key.utf8.count > 1024 { return "the key is longer than 1024 bytes" }
        if key.hasPrefix("/") { return "the key starts with '/' (keys are relative)" }
        if key.hasSuffix("/") { return "the key ends with '/' (it names a directory, not an object)" }
        if let problem = pathProblem(key) { return problem }
        if key.hasSuffix(partialSuffix) { return "the suffix '\(partialSuffix)' is reserved for uploads" }
        return nil
    }

    /// Why `prefix` cannot be listed, or nil. A prefix may be empty or end with `/`.
    public static func problem(withPrefix prefix: String) -> String? {
        if prefix.isEmpty { return nil }
        if prefix.hasPrefix("/") { return "the prefix starts with '/' (keys are relative)" }
        let trimmed = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        if trimmed.isEmpty { return "the prefix is only '/'" }
        return pathProblem(trimmed)
    }

    private static func pathProblem(_ path: String) -> String? {
        for scalar in path.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F { return "the key contains a control character" }
            if scalar == "\"" || scalar == "\\" { return "the key contains '\(scalar)'" }
        }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { return "the key contains an empty segment ('//')" }
            if segment == "." || segment == ".." { return "the key contains a '\(segment)' segment" }
        }
        return nil
    }
}
