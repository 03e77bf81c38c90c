import Foundation

/// `security:` — the roles and accounts dbctl manages, the accounts whose secrets it rotates, and the
/// certificates of its private CA (`tls`, see `TLSSection`).
///
/// ```yaml
/// security:
///   roles:
///     schema: shop                       # the application's database
///     prefix: dbctl_                     # role names: dbctl_shop, dbctl_reporting, dbctl_schema, …
///     require_ssl: true                  # every managed account REQUIRE SSL
///     users:
///       - {user: shop_a, role: shop, host: 10.0.0.5}          # no password_file: created locked
///       - {user: migrator, role: schema, host: 10.0.0.5, password_file: /etc/dbctl/migrator.pw}
///   credentials:
///     - name: shop                       # what the accounts are for
///       accounts: [shop_a, shop_b]       # two accounts with the same grants, used in turn
///       host: "10.0.0.%"                 # their host part
///       file: /etc/storefront/db.cnf     # the secret file the application reads (DATABASE_CREDENTIALS_FILE)
///       max_age: 90d                     # the agent alerts before a secret gets older
///       drain_timeout: 120s              # how long the old account may keep sessions after the switch
/// ```
public struct SecuritySection: Sendable, Equatable {
    public var credentials: [CredentialSet]
    public var roles: RolesSection?
    public var tls: TLSSection?
    public var audit: AuditSection?
    public var threats: ThreatsSection?
    public var encryption: EncryptionSection?

    public init(
        credentials: [CredentialSet] = [], roles: RolesSection? = nil, tls: TLSSection? = nil,
        audit: AuditSection? = nil, threats: ThreatsSection? = nil, encryption: EncryptionSection? = nil
    ) {
        self.encryption = encryption
        self.threats = threats
        self.credentials = credentials
        self.roles = roles
        self.tls = tls
        self.audit = audit
    }

    static func read(_ reader: YAMLReader) throws -> SecuritySection {
        let map = try reader.mapping(allowed: ["credentials", "roles", "tls", "audit", "threats", "encryption"])
        let roles = try map.child("roles").map(RolesSection.read)
        let tls = try map.child("tls").map(TLSSection.read)
        let audit = try map.child("audit").map(AuditSection.read)
        let threats = try map.child("threats").map(ThreatsSection.read)
        let encryption = try map.child("encryption").map(EncryptionSection.read)
        if let threats, threats.piiTables.isEmpty, audit == nil {
            throw try map.required("threats").error(
                .invalidValue,
                "the threat rules read security.audit; add that section (pii_tables alone needs none: the "
                    + "bulk-read rule reads the server)")
        }
        let sets = try map.child("credentials")?.sequence().map(CredentialSet.read) ?? []
        var names = Set<String>()
        for (index, set) in sets.enumerated() where !names.insert(set.name).inserted {
            throw try map.required("credentials").error(
                .invalidValue, "name \(set.name) is used twice",
                at: "[\(index)].name")
        }
        return SecuritySection(
            credentials: sets, roles: roles, tls: tls, audit: audit, threats: threats,
            encryption: encryption)
    }
}

/// Two accounts that take turns, so that a password changes without a moment in which the application has
/// none that works (MariaDB has no dual passwords).
public struct CredentialSet: Sendable, Equatable {
    public var name: String
    public var accounts: [String]
    public var host: String
    public var file: String
    public var maxAge: TimeInterval
    public var drainTimeout: TimeInterval

    public init(
        name: String, accounts: [String], host: String, file: String, maxAge: TimeInterval = 90 * 86_400,
        drainTimeout: TimeInterval = 120
    ) {
        self.name = name
        self.accounts = accounts
        self.host = host
        self.file = file
        self.maxAge = maxAge
        self.drainTimeout = drainTimeout
    }

    static func read(_ reader: YAMLReader) throws -> CredentialSet {
        let map = try reader.mapping(allowed: ["name", "accounts", "host", "file", "max_age", "drain_timeout"])
        let accounts = try map.required("accounts").sequence().map { try $0.scalarText() }
        guard accounts.count == 2, accounts[0] != accounts[1] else {
            throw try map.required("accounts").error(.invalidValue, "expected two different account names")
        }
        let host = try map.requiredString("host")
        guard host != "%" else {
            throw try map.required("host").error(.invalidValue, "'%' lets the account in from anywhere; name the hosts")
        }
        var set = CredentialSet(
            name: try map.requiredString("name"), accounts: accounts, host: host,
            file: try map.requiredString("file"))
        if let age = try map.duration("max_age") { set.maxAge = age }
        if let drain = try map.duration("drain_timeout") { set.drainTimeout = drain }
        return set
    }
}
