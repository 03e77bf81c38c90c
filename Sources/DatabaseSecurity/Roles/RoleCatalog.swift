import DbctlConfig

/// What each job's role may do, and why. Schema-wide grants name `security.roles.schema`; server-wide ones
/// are the administrative privileges a tool needs and nothing on any table's data.
public enum RoleCatalog {
    public struct Entry: Sendable {
        public let job: String
        public let grants: [Privilege]
        public let purpose: String
    }

    /// The entries for `schema`, in `RolesSection.jobs` order.
    public static func entries(schema: String) -> [Entry] {
        let dml = ["SELECT", "INSERT", "UPDATE", "DELETE"]
        let ddl = ["CREATE", "DROP", "ALTER", "INDEX", "REFERENCES", "CREATE VIEW", "SHOW VIEW", "TRIGGER"]
        func on(_ object: String, _ privileges: [String]) -> [Privilege] {
            privileges.map { Privilege(name: $0, object: object) }
        }
        let tables = "\(schema).*"
        return [
            Entry(
                job: "shop", grants: on(tables, dml), purpose: "the storefront: rows of its own tables, nothing else"),
            Entry(
                job: "reporting", grants: on(tables, ["SELECT", "SHOW VIEW"]),
                purpose: "reports and read replicas: reads only"),
            Entry(
                job: "schema", grants: on(tables, dml + ddl),
                purpose: "storefront migrate: creates and changes the shop's tables"),
            Entry(
                job: "backup",
                grants: on(
                    "*.*",
                    [
                        "RELOAD", "PROCESS", "LOCK TABLES", "BINLOG MONITOR",
                        "REPLICATION SLAVE",
                    ]),
                purpose: "mariadb-backup and binlog archiving: no table data through SQL"),
            Entry(
                job: "monitoring",
                grants: on("*.*", ["PROCESS", "SLAVE MONITOR", "BINLOG MONITOR"])
                    + on("performance_schema.*", ["SELECT"]),
                purpose: "the agent and mysqld_exporter: status, processlist, replication, digests"),
            Entry(
                job: "migration", grants: on(tables, dml + ddl),
                purpose: "dbctl migrate: loads the copy, builds indexes, keys, views and triggers"),
        ]
    }

    public static func entry(_ job: String, schema: String) -> Entry? {
        entries(schema: schema).first { $0.job == job }
    }

    /// Jobs whose role creates triggers, which a server with binary logging refuses to accounts without SUPER
    /// unless `log_bin_trust_function_creators` is on.
    static let createsTriggers: Set<String> = ["schema", "migration"]
}

/// One privilege on one object, as `SHOW GRANTS` names them: `SELECT` on `shop.*`, `PROCESS` on `*.*`.
public struct Privilege: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let name: String
    /// `*.*`, `schema.*` or `schema.table`, without quotes.
    public let object: String

    public init(name: String, object: String) {
        self.name = name
        self.object = object
    }

    public var description: String { "\(name) ON \(object)" }

    public static func < (a: Privilege, b: Privilege) -> Bool { (a.object, a.name) < (b.object, b.name) }

    /// The object as a statement writes it: each part quoted unless it is `*`.
    var objectSQL: String {
        object.split(separator: ".", maxSplits: 1).map { $0 == "*" ? "*" : "`\($0)`" }.joined(separator: ".")
    }
}
