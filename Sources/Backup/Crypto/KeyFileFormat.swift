@preconcurrency import Crypto
import Foundation

/// Parses and renders the key file's JSON. Parsing goes through `JSONSerialization` and a hand walk of the
/// tree rather than `Codable`, so that every error can say where it is without quoting any value.
enum KeyFileFormat {
    static func parse(_ data: Data, path: String) throws -> [KeyEncryptionKey] {
        func malformed(_ what: String) -> BackupCryptoError {
            BackupCryptoError(.keyFileMalformed, "key file \(path) is malformed: \(what)", path: path)
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw malformed("not valid JSON\(position(of: error, in: data))")
        }
        guard let object = root as? [String: Any] else { throw malformed("top level is not an object") }
        guard let list = object["keys"] else { throw malformed("no \"keys\" field") }
        guard let entries = list as? [Any] else { throw malformed("\"keys\" is not an array") }

        var keys: [KeyEncryptionKey] = []
        for (index, element) in entries.enumerated() {
            let at = "keys[\(index)]"
            guard let entry = element as? [String: Any] else { throw malformed("\(at) is not an object") }
            guard let id = entry["id"] as? String else { throw malformed("\(at).id is missing or not a string") }
            guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            else { throw malformed("\(at).id must be non-empty letters, digits, '-', '_' or '.'") }
            guard let createdText = entry["created"] as? String, let created = date(createdText) else {
                throw malformed("\(at).created (key \(id)) is missing or not an ISO 8601 time")
            }
            var retireAfter: Date?
            switch entry["retire_after"] {
            case nil, is NSNull:
                retireAfter = nil
            case let text as String:
                guard let date = date(text) else {
                    throw malformed("\(at).retire_after (key \(id)) is not an ISO 8601 time")
                }
                retireAfter = date
            default:
                throw malformed("\(at).retire_after (key \(id)) must be null or an ISO 8601 time")
            }
            guard let encoded = entry["key"] as? String else {
                throw malformed("\(at).key (key \(id)) is missing or not a string")
            }
            guard let bytes = Data(base64Encoded: encoded) else {
                throw BackupCryptoError(
                    .keyInvalid, "key file \(path): key \(id) is not valid base64", path: path, keyID: id)
            }
            guard bytes.count == KeyEncryptionKey.byteCount else {
                throw BackupCryptoError(
                    .keyInvalid,
                    "key file \(path): key \(id) is \(bytes.count) bytes, must be \(KeyEncryptionKey.byteCount)",
                    path: path, keyID: id)
            }
            keys.append(try KeyEncryptionKey(
                id: id, created: created, retireAfter: retireAfter, material: SymmetricKey(data: bytes)))
        }
        return keys
    }

    static func render(_ keys: [KeyEncryptionKey]) -> Data {
        // Written by hand to keep the documented field order and one key per line.
        let lines = keys.map { key in
            let retire = key.retireAfter.map { "\"\(KeyEncryptionKey.iso8601($0))\"" } ?? "null"
            let material = key.material.withUnsafeBytes { Data($0).base64EncodedString() }
            return "    {\"id\": \(quoted(key.id)), \"created\": \"\(KeyEncryptionKey.iso8601(key.created))\", "
                + "\"retire_after\": \(retire), \"key\": \"\(material)\"}"
        }
        return Data(("{\"keys\": [\n" + lines.joined(separator: ",\n") + "\n]}\n").utf8)
    }

    static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    private static func quoted(_ text: String) -> String {
        // Ids are restricted to a JSON-safe alphabet on load; escaping keeps a programmatic id safe too.
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])) ?? Data()
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }

    /// " (around line L, column C)" from the parser's error, without any of the file's content.
    private static func position(of error: any Error, in data: Data) -> String {
        let detail = String(describing: (error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? "")
        if let match = detail.firstMatch(of: /line (\d+), column (\d+)/) {
            return " (around line \(match.1), column \(match.2))"
        }
        guard let match = detail.firstMatch(of: /character (\d+)/), let offset = Int(match.1) else {
            return detail.contains("end of file") ? " (unexpected end of file)" : ""
        }
        var line = 1
        var column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return " (around line \(line), column \(column))"
    }
}
