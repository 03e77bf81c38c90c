import Foundation

/// `security.tls`: the private certificate authority and the certificates `dbctl security tls init` writes
/// and `tls rotate` renews.
///
/// ```yaml
/// security:
///   tls:
///     directory: /etc/mysql/tls            # ca.pem, ca-key.pem, server-cert.pem, server-key.pem, client-*.pem
///     hosts: [db1.internal, 10.0.0.4]      # the names and addresses clients connect to (verify-identity)
///     clients: [storefront]                # client certificates, for accounts that REQUIRE X509
///     valid_for: 397d                      # server and client certificates
///     ca_valid_for: 3650d
///     renew_before: 30d                    # rotate, and the agent alerts, this long before expiry
/// ```
public struct TLSSection: Sendable, Equatable {
    public var directory: String
    public var hosts: [String]
    public var clients: [String]
    public var validFor: TimeInterval
    public var caValidFor: TimeInterval
    public var renewBefore: TimeInterval

    public init(
        directory: String, hosts: [String], clients: [String] = [], validFor: TimeInterval = 397 * 86_400,
        caValidFor: TimeInterval = 3650 * 86_400, renewBefore: TimeInterval = 30 * 86_400
    ) {
        self.directory = directory
        self.hosts = hosts
        self.clients = clients
        self.validFor = validFor
        self.caValidFor = caValidFor
        self.renewBefore = renewBefore
    }

    static func read(_ reader: YAMLReader) throws -> TLSSection {
        let map = try reader.mapping(
            allowed: ["directory", "hosts", "clients", "valid_for", "ca_valid_for", "renew_before"])
        let hostEntries = try map.required("hosts").sequence()
        guard !hostEntries.isEmpty else {
            throw try map.required("hosts").error(.invalidValue, "name at least one host clients connect to")
        }
        let hostCharacters: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || ".-:".contains($0)) }
        var hosts: [String] = []
        for entry in hostEntries {
            let host = try entry.scalarText()
            guard !host.isEmpty, host.allSatisfy(hostCharacters) else {
                throw entry.error(.invalidValue, "\(host) is not a host name or address")
            }
            hosts.append(host)
        }
        var clients: [String] = []
        for entry in try map.child("clients")?.sequence() ?? [] {
            let client = try entry.scalarText()
            guard RolesSection.isPlainName(client) else {
                throw entry.error(.invalidValue, "a client name of letters, digits and _")
            }
            clients.append(client)
        }
        var section = TLSSection(directory: try map.requiredString("directory"), hosts: hosts, clients: clients)
        if let valid = try map.duration("valid_for") { section.validFor = valid }
        if let valid = try map.duration("ca_valid_for") { section.caValidFor = valid }
        if let before = try map.duration("renew_before") { section.renewBefore = before }
        guard section.validFor > section.renewBefore else {
            throw try map.required(map.has("valid_for") ? "valid_for" : "renew_before").error(
                .invalidValue, "valid_for must be longer than renew_before")
        }
        guard section.caValidFor >= section.validFor else {
            throw try map.required(map.has("ca_valid_for") ? "ca_valid_for" : "valid_for").error(
                .invalidValue, "ca_valid_for must be at least valid_for")
        }
        return section
    }
}
