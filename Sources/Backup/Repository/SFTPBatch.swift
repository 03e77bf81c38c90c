/// The commands of one `sftp -b -` run, in sftp's batch syntax.
///
/// sftp splits each line itself: an argument in double quotes keeps its spaces, `'` and `#`, and glob
/// characters inside quotes are matched literally. Keys and paths never contain `"`, `\` or control
/// characters (``LocationKey`` and the location's configuration refuse them), so quoting is just wrapping.
/// A command prefixed with `-` may fail without ending the batch; any other failure ends it, and sftp exits
/// non-zero after echoing that command last.
struct SFTPBatch: Sendable {
    private(set) var lines: [String] = []

    /// A path as one sftp argument.
    static func quote(_ path: String) -> String { "\"\(path)\"" }

    /// Whether `path` can be passed to sftp unambiguously.
    static func problem(with path: String) -> String? {
        if path.isEmpty { return "the path is empty" }
        for scalar in path.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F { return "the path contains a control character" }
            if scalar == "\"" || scalar == "\\" { return "the path contains '\(scalar)'" }
        }
        return nil
    }

    /// Adds a command; its paths are quoted here.
    mutating func add(_ command: String, _ paths: String..., mayFail: Bool = false) {
        let line = ([command] + paths.map(Self.quote)).joined(separator: " ")
        lines.append(mayFail ? "-" + line : line)
    }

    /// The batch as sftp reads it from standard input.
    var text: String { lines.map { $0 + "\n" }.joined() }

    /// Which of this batch's commands ran last, from sftp's echo of each command on standard output.
    func lastStarted(in output: String) -> String? {
        output.split(separator: "\n").last { $0.hasPrefix("sftp> ") }.map { String($0.dropFirst(6)) }
    }
}
