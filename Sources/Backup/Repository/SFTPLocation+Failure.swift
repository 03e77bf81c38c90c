import Foundation

extension SFTPLocation {
    /// Turns a failed run into an error, from what ssh and sftp printed (in the C locale).
    func failure(_ output: ProcessOutput, key: String?, during operation: String) -> LocationError {
        let text = output.standardError
        let lines = Self.meaningfulLines(text)
        func error(_ code: LocationError.Code, _ message: String) -> LocationError {
            LocationError(
                code, location: name, kind: kind, key: key, host: serverName, path: path,
                message: "\(operation): \(message)")
        }
        if output.timedOut {
            return error(.timeout, "sftp did not finish in time and was stopped" + Self.summary(lines))
        }
        if text.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || text.contains("Host key verification failed")
            || text.contains("host key is known for") {
            let reason = lines.first { $0.contains("has changed") || $0.contains("is known for") }
                ?? "Host key verification failed."
            return error(
                .hostKeyMismatch, "the server's host key is not the one in \(knownHostsFile): \(reason)")
        }
        if text.contains("Permission denied (") {
            return error(.denied, "authentication with \(identityFile) failed" + Self.summary(lines))
        }
        if Self.unreachableMarkers.contains(where: text.contains) || output.status == 255 {
            return error(.unreachable, "cannot reach the server" + Self.summary(lines))
        }
        if text.contains("not found") || text.contains("No such file") {
            return error(.notFound, lines.last ?? "no such file")
        }
        if text.contains("Permission denied") { return error(.denied, lines.last ?? "permission denied") }
        if text.contains("No space left") || text.contains("Disk quota") {
            return error(.noSpace, lines.last ?? "no space left")
        }
        return error(.protocolError, "sftp exited with status \(output.status)" + Self.summary(lines))
    }

    static let unreachableMarkers = [
        "Connection refused", "timed out", "Could not resolve hostname", "Name or service not known",
        "No route to host", "Network is unreachable", "Connection reset", "Connection closed by",
        "not responding", "Broken pipe", "kex_exchange_identification", "Connection lost",
    ]

    /// ssh's messages without the banner art of a changed host key and without sftp's final
    /// "Connection closed", which every failed connection prints.
    static func meaningfulLines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { line in
            !line.isEmpty && !line.hasPrefix("@") && line != "Connection closed" && line != "Connection closed."
        }
    }

    static func summary(_ lines: [String]) -> String {
        guard !lines.isEmpty else { return "" }
        let joined = lines.suffix(3).joined(separator: " | ")
        return ": " + (joined.count > 400 ? String(joined.prefix(400)) + "…" : joined)
    }
}
