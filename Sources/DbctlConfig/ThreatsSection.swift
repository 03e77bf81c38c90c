import Foundation

/// `security.threats`: what `dbctl security threats scan` and the agent look for in the audit stream.
///
/// ```yaml
/// security:
///   threats:
///     window: 5m                       # bursts are counted over this long
///     failed_logins: 5                 # per account and host in a window
///     service_accounts: [shop_a, shop_b]
///     service_hosts: [10.0.0.5]        # where the service accounts may log in from
///     admins: [storefront_admin]       # privilege changes by others are critical
///     maintenance: ["Sun 02:00-04:00"] # UTC; DDL outside these is an alert
///     pii_tables: [shop.customers, shop.addresses]   # bulk reads of these are alerts (performance_schema)
///     bulk_read_rows: 1000             # rows of pii_tables one session may receive in a window
///     bulk_read_exempt: [report_a]     # accounts whose job is reading them in bulk
///     statement_poll: 5s               # how often the agent reads the server's statement history
/// ```
public struct ThreatsSection: Sendable, Equatable {
    public struct Window: Sendable, Equatable {
        /// 1 = Sunday … 7 = Saturday.
        public var weekday: Int
        /// Minutes after midnight, UTC; `end` may be 1440.
        public var start: Int
        public var end: Int

        public init(weekday: Int, start: Int, end: Int) {
            self.weekday = weekday
            self.start = start
            self.end = end
        }
    }

    public var window: TimeInterval
    public var failedLogins: Int
    public var serviceAccounts: [String]
    public var serviceHosts: [String]
    public var admins: [String]
    public var maintenance: [Window]
    /// `schema.table` names of the tables holding personal data.
    public var piiTables: [String]
    public var bulkReadRows: Int
    public var bulkReadExempt: [String]
    public var statementPoll: TimeInterval

    public init(
        window: TimeInterval = 300, failedLogins: Int = 5, serviceAccounts: [String] = [], serviceHosts: [String] = [],
        admins: [String] = [], maintenance: [Window] = [], piiTables: [String] = [], bulkReadRows: Int = 1000,
        bulkReadExempt: [String] = [], statementPoll: TimeInterval = 5
    ) {
        self.window = window
        self.failedLogins = failedLogins
        self.serviceAccounts = serviceAccounts
        self.serviceHosts = serviceHosts
        self.admins = admins
        self.maintenance = maintenance
        self.piiTables = piiTables
        self.bulkReadRows = bulkReadRows
        self.bulkReadExempt = bulkReadExempt
        self.statementPoll = statementPoll
    }

    static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    static func read(_ reader: YAMLReader) throws -> ThreatsSection {
        let map = try reader.mapping(
            allowed: [
                "window", "failed_logins", "service_accounts", "service_hosts", "admins", "maintenance", "pii_tables",
                "bulk_read_rows", "bulk_read_exempt", "statement_poll",
            ])
        var section = ThreatsSection()
        if let window = try map.duration("window") {
            guard window >= 10 else { throw try map.required("window").error(.invalidValue, "at least 10s") }
            section.window = window
        }
        if let count = try map.int("failed_logins", in: 1...100_000) { section.failedLogins = count }
        section.serviceAccounts = try map.child("service_accounts")?.sequence().map { try $0.scalarText() } ?? []
        section.serviceHosts = try map.child("service_hosts")?.sequence().map { try $0.scalarText() } ?? []
        section.admins = try map.child("admins")?.sequence().map { try $0.scalarText() } ?? []
        for entry in try map.child("maintenance")?.sequence() ?? [] {
            guard let window = parseWindow(try entry.scalarText()) else {
                throw entry.error(.invalidValue, "expected a day and UTC times such as \"Sun 02:00-04:00\"")
            }
            section.maintenance.append(window)
        }
        for entry in try map.child("pii_tables")?.sequence() ?? [] {
            let name = try entry.scalarText()
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw entry.error(.invalidValue, "expected schema.table, such as shop.customers")
            }
            section.piiTables.append(name)
        }
        if let rows = try map.int("bulk_read_rows", in: 1...1_000_000_000) { section.bulkReadRows = rows }
        section.bulkReadExempt = try map.child("bulk_read_exempt")?.sequence().map { try $0.scalarText() } ?? []
        if let poll = try map.duration("statement_poll") {
            guard poll >= 0.1 else { throw try map.required("statement_poll").error(.invalidValue, "at least 0.1s") }
            section.statementPoll = poll
        }
        return section
    }

    /// "Sun 02:00-04:00" → weekday 1, 120…240.
    static func parseWindow(_ text: String) -> Window? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let day = weekdays.firstIndex(of: parts[0].lowercased()) else { return nil }
        let times = parts[1].split(separator: "-")
        guard times.count == 2, let start = minutes(times[0]), let end = minutes(times[1]), start < end else {
            return nil
        }
        return Window(weekday: day + 1, start: start, end: end)
    }

    static func minutes(_ text: Substring) -> Int? {
        let hm = text.split(separator: ":")
        guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0...59).contains(m),
            h * 60 + m <= 1440
        else { return nil }
        return h * 60 + m
    }
}
