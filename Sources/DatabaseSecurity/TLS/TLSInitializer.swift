import DbctlConfig
import Foundation
import X509

/// `dbctl security tls init`: writes what `security.tls` asks for and is missing — the CA, the server's
/// certificate for every configured host, the clients' certificates — and never replaces a file that exists
/// (`tls rotate` renews). Dry run by default: `plan()` says what would be written.
public struct TLSInitializer: Sendable {
    public let section: TLSSection
    public let directory: TLSDirectory

    public init(section: TLSSection) {
        self.section = section
        directory = TLSDirectory(path: section.directory)
    }

    public struct Plan: Sendable {
        /// What would be written, one line each ("ca.pem: a new CA …").
        public var writes: [String] = []
        /// What exists and is kept.
        public var kept: [String] = []
        public var isEmpty: Bool { writes.isEmpty }
    }

    public func plan() throws -> Plan {
        var plan = Plan()
        let hasCA = try pair(directory.caCertificate, directory.caKey)
        if hasCA {
            let ca = try CertificateAuthority.load(from: directory)
            plan.kept.append(
                "\(directory.caCertificate): the CA, valid until \(Self.day(ca.certificate.notValidAfter))")
        } else {
            plan.writes.append(
                "\(directory.caCertificate), \(directory.caKey) (0600): a new CA (ECDSA P-256), "
                    + "valid \(Self.days(section.caValidFor)) days")
        }
        if try pair(directory.serverCertificate, directory.serverKey) {
            let facts = try CertificateFacts.read(directory.serverCertificate)
            plan.kept.append(
                "\(directory.serverCertificate): for \(facts.names.joined(separator: ", ")), "
                    + "valid until \(Self.day(facts.notAfter))")
            let missing = section.hosts.filter { !facts.names.contains($0) }
            if !missing.isEmpty {
                plan.kept.append(
                    "  ! it does not name \(missing.joined(separator: ", ")); tls rotate issues one that does")
            }
        } else {
            plan.writes.append(
                "\(directory.serverCertificate), \(directory.serverKey) (0600): the server's, for "
                    + "\(section.hosts.joined(separator: ", ")), valid \(Self.days(section.validFor)) days")
        }
        for client in section.clients {
            if try pair(directory.clientCertificate(client), directory.clientKey(client)) {
                plan.kept.append("\(directory.clientCertificate(client)): client \(client)")
            } else {
                plan.writes.append(
                    "\(directory.clientCertificate(client)), \(directory.clientKey(client)) (0600): "
                        + "client \(client), valid \(Self.days(section.validFor)) days")
            }
        }
        return plan
    }

    /// Writes the missing files; returns the paths written.
    @discardableResult
    public func execute(now: Date = Date()) throws -> [String] {
        try directory.prepare()
        var written: [String] = []
        let ca: CertificateAuthority
        if try pair(directory.caCertificate, directory.caKey) {
            ca = try CertificateAuthority.load(from: directory)
        } else {
            ca = try CertificateAuthority.create(
                name: "dbctl CA \(Self.day(now))", validity: section.caValidFor, now: now)
            try directory.write(try ca.key.serializeAsPEM().pemString + "\n", to: directory.caKey, mode: 0o600)
            try directory.write(
                try ca.certificate.serializeAsPEM().pemString + "\n", to: directory.caCertificate,
                mode: 0o644)
            written += [directory.caCertificate, directory.caKey]
        }
        if !(try pair(directory.serverCertificate, directory.serverKey)) {
            try writeServer(ca: ca, now: now)
            written += [directory.serverCertificate, directory.serverKey]
        }
        for client in section.clients
        where !(try pair(directory.clientCertificate(client), directory.clientKey(client))) {
            try writeClient(client, ca: ca, now: now)
            written += [directory.clientCertificate(client), directory.clientKey(client)]
        }
        return written
    }

    /// Issues the server's certificate and writes key, then certificate, each by rename.
    func writeServer(ca: CertificateAuthority, now: Date) throws {
        let issued = try ca.issue(
            .server, commonName: section.hosts[0], hosts: section.hosts, validity: section.validFor, now: now)
        try directory.write(try issued.key.serializeAsPEM().pemString + "\n", to: directory.serverKey, mode: 0o600)
        try directory.write(
            try issued.certificate.serializeAsPEM().pemString + "\n", to: directory.serverCertificate,
            mode: 0o644)
    }

    /// Issues client `name`'s certificate and writes key, then certificate, each by rename.
    func writeClient(_ name: String, ca: CertificateAuthority, now: Date) throws {
        let issued = try ca.issue(.client, commonName: name, validity: section.validFor, now: now)
        try directory.write(
            try issued.key.serializeAsPEM().pemString + "\n", to: directory.clientKey(name), mode: 0o600)
        try directory.write(
            try issued.certificate.serializeAsPEM().pemString + "\n", to: directory.clientCertificate(name),
            mode: 0o644)
    }

    /// Both files of a certificate and its key, or neither; one without the other is an error naming it.
    func pair(_ certificate: String, _ key: String) throws -> Bool {
        switch (directory.exists(certificate), directory.exists(key)) {
        case (true, true): return true
        case (false, false): return false
        case (true, false): throw SecurityError(.tls, "\(certificate) exists without its key \(key)")
        case (false, true): throw SecurityError(.tls, "\(key) exists without its certificate \(certificate)")
        }
    }

    /// The server's `my.cnf` lines for these files, with the baseline's TLS settings.
    public func serverSettings() -> [String] {
        [
            "ssl_ca = \(directory.caCertificate)", "ssl_cert = \(directory.serverCertificate)",
            "ssl_key = \(directory.serverKey)", "require_secure_transport = ON", "tls_version = TLSv1.2,TLSv1.3",
        ]
    }

    /// The URL options a client adds to connect with the server's identity checked (and its certificate, for
    /// an account that REQUIRE X509).
    public func clientOptions(client: String? = nil) -> String {
        var options = "ssl-mode=verify-identity&ssl-ca=\(directory.caCertificate)"
        if let client {
            options += "&ssl-cert=\(directory.clientCertificate(client))&ssl-key=\(directory.clientKey(client))"
        }
        return options
    }

    static func days(_ interval: TimeInterval) -> Int { Int((interval / 86_400).rounded()) }

    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }
}
