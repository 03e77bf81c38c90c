import Foundation

/// `security.roles`: one MariaDB role per job and the accounts that hold them.
public struct RolesSection: Sendable, Equatable {
    /// The jobs there is a role for; what each may do is `DatabaseSecurity.RoleCatalog`'s.
    public static let jobs = ["shop", "reporting", "schema", "backup", "monitoring", "migration"]

    public var schema: String
    public var prefix: String
    public var requireSSL: Bool
    public var users: [RoleUser]

    public init(schema: String, prefix: String = "dbctl_", requireSSL: Bool = true, users: [RoleUser] = []) {
        self.schema = schema
        self.prefix = prefix
        self.requireSSL = requireSSL
        self.users = users
    }

    static func read(_ reader: YAMLReader) throws -> RolesSection {
        let map = try reader.mapping(allowed: ["schema", "prefix", "require_ssl", "users"])
        var section = RolesSection(schema: try map.requiredString("schema"))
        guard isPlainName(section.schema) else {
            throw try map.required("schema").error(.invalidValue, "a schema name of letters, digits and _")
        }
        if let prefix = try map.string("prefix") {
            guard isPlainName(prefix) else {
                throw try map.required("prefix").error(.invalidValue, "a prefix of letters, digits and _")
            }
            section.prefix = prefix
        }
        if let require = try map.bool("require_ssl") { section.requireSSL = require }
        let users = try map.child("users")?.sequence() ?? []
        var seen = Set<String>()
        for entry in users {
            let user = try RoleUser.read(entry)
            guard seen.insert("\(user.user)@\(user.host)").inserted else {
                throw entry.error(.invalidValue, "\(user.user)@\(user.host) is listed twice")
            }
            section.users.append(user)
        }
        return section
    }

    static func isPlainName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

/// An account that holds one job's role.
public struct RoleUser: Sendable, Equatable {
    public var user: String
    public var role: String
    public var host: String
    /// The account's password when dbctl creates it; without one the account is created locked with a random
    /// password (the idle half of a credential set, which `security credentials rotate` unlocks).
    public var passwordFile: String?

    public init(user: String, role: String, host: String, passwordFile: String? = nil) {
        self.user = user
        self.role = role
        self.host = host
        self.passwordFile = passwordFile
    }

    static func read(_ reader: YAMLReader) throws -> RoleUser {
        let map = try reader.mapping(allowed: ["user", "role", "host", "password_file"])
        let user = RoleUser(
            user: try map.requiredString("user"), role: try map.requiredString("role"),
            host: try map.requiredString("host"), passwordFile: try map.string("password_file"))
        guard RolesSection.jobs.contains(user.role) else {
            throw try map.required("role").error(
                .invalidValue, "unknown role \(user.role); one of \(RolesSection.jobs.joined(separator: ", "))")
        }
        guard user.host != "%", !user.host.isEmpty else {
            throw try map.required("host").error(.invalidValue, "'%' lets the account in from anywhere; name the hosts")
        }
        // A pattern lets in every machine it matches (`_` matches any one character); an exact subnet is the
        // netmask form MariaDB reads as one, 10.0.0.0/255.255.255.0.
        guard !user.host.contains("%"), !user.host.contains("_") else {
            throw try map.required("host").error(
                .invalidValue,
                "\(user.host) is a pattern that lets in any machine matching it; name the hosts, or a subnet as "
                    + "10.0.0.0/255.255.255.0")
        }
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-:".contains($0)) }
        guard user.user.allSatisfy(allowed), !user.user.isEmpty,
            user.host.allSatisfy({ allowed($0) || $0 == "/" })
        else {
            throw try map.required("user").error(.invalidValue, "user and host of letters, digits and _ . - : (/)")
        }
        return user
    }
}
