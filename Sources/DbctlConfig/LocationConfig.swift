/// One entry of `backup.locations`: a place every backup is written to.
public struct LocationConfig: Sendable, Equatable {
    public var name: String
    public var kind: Kind
    /// This location's own retention; the section's when nil.
    public var retention: RetentionConfig?

    public enum Kind: Sendable, Equatable {
        case posix(path: String)
        case sftp(host: String, port: Int, user: String, identityFile: String, knownHostsFile: String, path: String)
        case s3(endpoint: String, bucket: String, region: String, accessKeyFile: String, secretKeyFile: String,
                prefix: String)
    }

    public init(name: String, kind: Kind, retention: RetentionConfig? = nil) {
        self.name = name
        self.kind = kind
        self.retention = retention
    }

    public var typeName: String {
        switch kind {
        case .posix: "posix"
        case .sftp: "sftp"
        case .s3: "s3"
        }
    }

    static func read(_ reader: YAMLReader) throws -> LocationConfig {
        let map = try reader.mapping(allowed: [
            "name", "type", "path", "host", "port", "user", "identity_file", "known_hosts_file", "endpoint",
            "bucket", "region", "access_key_file", "secret_key_file", "prefix", "retention",
        ])
        let name = try map.requiredString("name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw try map.required("name").error(.invalidValue, "a location name is letters, digits, - or _")
        }
        let type = try map.requiredString("type")
        let used: Set<String>
        let kind: Kind
        switch type {
        case "posix":
            used = ["path"]
            kind = .posix(path: try map.requiredString("path"))
        case "sftp":
            used = ["host", "port", "user", "identity_file", "known_hosts_file", "path"]
            kind = .sftp(host: try map.requiredString("host"), port: try map.int("port", in: 1...65535) ?? 22,
                         user: try map.requiredString("user"), identityFile: try map.requiredString("identity_file"),
                         knownHostsFile: try map.requiredString("known_hosts_file"),
                         path: try map.requiredString("path"))
        case "s3":
            used = ["endpoint", "bucket", "region", "access_key_file", "secret_key_file", "prefix"]
            kind = .s3(endpoint: try map.requiredString("endpoint"), bucket: try map.requiredString("bucket"),
                       region: try map.string("region") ?? "us-east-1",
                       accessKeyFile: try map.requiredString("access_key_file"),
                       secretKeyFile: try map.requiredString("secret_key_file"), prefix: try map.string("prefix") ?? "")
        default:
            throw try map.required("type").error(.invalidValue, "unknown location type \(type) (posix, sftp, s3)")
        }
        let kindKeys: Set<String> = ["path", "host", "port", "user", "identity_file", "known_hosts_file", "endpoint",
                                     "bucket", "region", "access_key_file", "secret_key_file", "prefix"]
        for key in kindKeys.subtracting(used).sorted() where map.has(key) {
            throw reader.error(.unknownKey, "not a setting of a \(type) location", at: key)
        }
        return LocationConfig(name: name, kind: kind,
                              retention: try map.child("retention").map(RetentionConfig.read))
    }
}
