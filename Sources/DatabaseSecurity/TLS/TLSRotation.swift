import DbctlConfig
import Foundation
import MariaDB

/// `dbctl security tls rotate`: a new server key and certificate from the same CA (the configured hosts,
/// the configured validity), swapped in by rename and loaded with `FLUSH SSL` — no restart; connections
/// already open keep their session, new ones get the new certificate. Checked by connecting afresh with the
/// server's identity verified; if the server cannot load the new pair, the old one is put back and loaded.
public struct TLSRotation: Sendable {
    public let section: TLSSection
    public let admin: MariaDBConfiguration
    let directory: TLSDirectory

    public init(section: TLSSection, admin: MariaDBConfiguration) {
        self.section = section
        self.admin = admin
        directory = TLSDirectory(path: section.directory)
    }

    public struct Plan: Sendable {
        public var current: CertificateFacts
        /// What the server serves now (`Ssl_server_not_after`), nil when it serves no certificate.
        public var serving: Date?
        public var checks: [String]
        public var steps: [String]
        /// Why rotating now is not needed (more than `renew_before` left); `--force` rotates anyway.
        public var notDue: String?
    }

    public func plan(now: Date = Date()) async throws -> Plan {
        _ = try CertificateAuthority.load(from: directory)
        try directory.requirePrivate(directory.serverKey)
        let current = try CertificateFacts.read(directory.serverCertificate)
        var checks = ["\(directory.caCertificate): the CA's key matches"]
        checks.append(
            "\(directory.serverCertificate): for \(current.names.joined(separator: ", ")), "
                + "\(current.daysLeft(now: now)) days left (until \(TLSInitializer.day(current.notAfter)))")
        let serving = try await servingNotAfter()
        guard let serving else {
            throw SecurityError(
                .tls,
                "\(admin.endpoint) serves no TLS certificate: set ssl_cert, ssl_key and ssl_ca "
                    + "(dbctl security tls init prints them) and restart it once; later rotations need no restart")
        }
        if abs(serving.timeIntervalSince(current.notAfter)) > 1 {
            checks.append(
                "! the server serves a certificate valid until \(TLSInitializer.day(serving)), not "
                    + "\(directory.serverCertificate); FLUSH SSL loads the files its ssl_cert and ssl_key name")
        } else {
            checks.append("\(admin.endpoint) serves \(directory.serverCertificate)")
        }
        let steps = [
            "issue a new P-256 key and certificate for \(section.hosts.joined(separator: ", ")), valid "
                + "\(TLSInitializer.days(section.validFor)) days, signed by the CA",
            "keep the current pair as server-cert.pem.previous and server-key.pem.previous",
            "replace \(directory.serverKey) (0600) and \(directory.serverCertificate) by rename",
            "FLUSH SSL on \(admin.endpoint) (open connections keep their session)",
            "connect afresh, verifying the server against \(directory.caCertificate), and read the certificate "
                + "it serves",
        ]
        var notDue: String?
        if current.notAfter.timeIntervalSince(now) > section.renewBefore {
            notDue =
                "\(current.daysLeft(now: now)) days left, more than renew_before "
                + "(\(TLSInitializer.days(section.renewBefore)) days)"
        }
        return Plan(current: current, serving: serving, checks: checks, steps: steps, notDue: notDue)
    }

    public struct Outcome: Sendable {
        public let previous: CertificateFacts
        public let current: CertificateFacts
    }

    public func execute(_ plan: Plan, now: Date = Date(), progress: @Sendable (String) -> Void = { _ in })
        async throws -> Outcome
    {
        let ca = try CertificateAuthority.load(from: directory)
        let oldKey = try directory.read(directory.serverKey)
        let oldCertificate = try directory.read(directory.serverCertificate)
        try directory.write(oldKey, to: directory.serverKey + ".previous", mode: 0o600)
        try directory.write(oldCertificate, to: directory.serverCertificate + ".previous", mode: 0o644)
        try TLSInitializer(section: section).writeServer(ca: ca, now: now)
        let fresh = try CertificateFacts.read(directory.serverCertificate)
        progress("wrote \(directory.serverCertificate), valid until \(TLSInitializer.day(fresh.notAfter))")
        do {
            try await flush()
        } catch {
            try directory.write(oldKey, to: directory.serverKey, mode: 0o600)
            try directory.write(oldCertificate, to: directory.serverCertificate, mode: 0o644)
            try? await flush()
            throw SecurityError(
                .tls,
                "\(admin.endpoint) did not load the new certificate (\(error)); the previous "
                    + "pair is back in place and loaded")
        }
        progress("FLUSH SSL on \(admin.endpoint)")
        let serving = try await servingNotAfter(verified: true)
        guard let serving, abs(serving.timeIntervalSince(fresh.notAfter)) <= 1 else {
            throw SecurityError(
                .tls,
                "\(admin.endpoint) still serves a certificate valid until "
                    + "\(serving.map(TLSInitializer.day) ?? "none") after FLUSH SSL; "
                    + "is ssl_cert \(directory.serverCertificate)?"
            )
        }
        progress("a new connection, verified against \(directory.caCertificate), sees the new certificate")
        return Outcome(previous: plan.current, current: fresh)
    }

    /// `Ssl_server_not_after` as a date; `verified`: over a connection that checks the server against the CA
    /// (`caFile`, by default the directory's `ca.pem`).
    func servingNotAfter(verified: Bool = false, caFile: String? = nil) async throws -> Date? {
        var configuration = admin
        if verified {
            let mode: MariaDBConfiguration.TLS.Mode = section.hosts.contains(admin.host) ? .verifyIdentity : .verifyCA
            configuration.tls = MariaDBConfiguration.TLS(mode: mode, caFile: caFile ?? directory.caCertificate)
        }
        let connection: MariaDBConnection
        do { connection = try await MariaDBConnection.connect(configuration) } catch {
            throw SecurityError(.server, "cannot connect to \(admin.endpoint) as \(admin.username): \(error)")
        }
        let rows: [MariaDBRow]
        do {
            rows = try await connection.query("SHOW GLOBAL STATUS LIKE 'Ssl_server_not_after'").rows
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        guard let text = rows.first?[1].text, !text.isEmpty else { return nil }
        return CertificateFacts.serverDate(text)
    }

    func flush() async throws {
        let connection = try await MariaDBConnection.connect(admin)
        do {
            _ = try await connection.execute("FLUSH SSL")
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
