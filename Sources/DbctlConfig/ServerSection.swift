/// `server:` — the MariaDB server dbctl operates on. The password is only ever a file path.
public struct ServerSection: Sendable, Equatable {
    public var url: String
    public var passwordFile: String?
    /// The server's data directory (mariadb-backup reads the files); asked from the server when not given.
    public var dataDirectory: String?

    public init(url: String, passwordFile: String? = nil, dataDirectory: String? = nil) {
        self.url = url
        self.passwordFile = passwordFile
        self.dataDirectory = dataDirectory
    }

    static func read(_ reader: YAMLReader) throws -> ServerSection {
        let map = try reader.mapping(allowed: ["url", "password_file", "data_dir"])
        let url = try map.requiredString("url")
        guard url.hasPrefix("mysql://") || url.hasPrefix("mariadb://") else {
            throw try map.required("url").error(.invalidValue, "expected a mysql:// URL")
        }
        let afterScheme = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first
        if let authority = afterScheme, let userInfo = authority.split(separator: "@").dropLast().first,
           userInfo.contains(":") {
            throw try map.required("url").error(.secretFile, "a password in the URL is refused; use password_file")
        }
        return ServerSection(url: url, passwordFile: try map.string("password_file"),
                             dataDirectory: try map.string("data_dir"))
    }
}
