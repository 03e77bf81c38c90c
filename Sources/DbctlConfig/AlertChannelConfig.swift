/// One entry of `alerts:` — where alerts go.
public enum AlertChannelConfig: Sendable, Equatable {
    case webhook(url: String)
    case command(run: String, arguments: [String])
    case log

    static func read(_ reader: YAMLReader) throws -> AlertChannelConfig {
        let map = try reader.mapping(allowed: ["type", "url", "run", "args"])
        switch try map.requiredString("type") {
        case "webhook":
            let url = try map.requiredString("url")
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw try map.required("url").error(.invalidValue, "expected an http:// or https:// URL")
            }
            return .webhook(url: url)
        case "command":
            let arguments = try map.child("args")?.sequence().map { try $0.scalarText() } ?? []
            return .command(run: try map.requiredString("run"), arguments: arguments)
        case "log":
            return .log
        case let other:
            throw try map.required("type").error(.invalidValue, "unknown alert type \(other) (webhook, command, log)")
        }
    }
}
