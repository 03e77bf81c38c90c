import DbctlConfig
import Foundation
import MariaDB
import X509

/// `dbctl security tls rotate --ca`: replaces the private CA without a moment in which a client or the server
/// distrusts the other. Three runs, each a stage that only adds trust before it takes any away:
///
/// 1. **trust** — a new CA is made; `ca.pem` becomes a bundle of the old and the new CA and is loaded with
///    `FLUSH SSL`. Nothing else changes: every certificate still chains to the old CA. Copy `ca.pem` to every
///    client that keeps its own copy before the next stage.
/// 2. **issue** — the server's and the clients' certificates are issued by the new CA and loaded; the new CA
///    becomes the signer. A client that trusts the bundle verifies the new certificate; the server still
///    accepts client certificates of the old CA.
/// 3. **retire** — once every client uses a certificate of the new CA, `ca.pem` holds the new CA alone and the
///    old CA's key is removed.
///
/// Each stage ends by connecting afresh and verifying the server's identity; the stage reached is read from
/// the files themselves, so a run that was interrupted is resumed by running the command again.
public struct CARotation: Sendable {
    public enum Stage: String, Sendable { case trust, issue, retire }

    public let section: TLSSection
    public let admin: MariaDBConfiguration
    let directory: TLSDirectory
    let rotation: TLSRotation

    public init(section: TLSSection, admin: MariaDBConfiguration) {
        self.section = section
        self.admin = admin
        directory = TLSDirectory(path: section.directory)
        rotation = TLSRotation(section: section, admin: admin)
    }

    public struct Plan: Sendable {
        public var stage: Stage
        public var checks: [String]
        public var steps: [String]
        /// What the operator does after this stage.
        public var next: String
    }

    /// The stage the files are in (the next to run), read from `ca.pem`, `ca-key.pem` and `ca-next-key.pem`.
    public func stage() throws -> Stage { try Self.stage(of: directory) }

    public static func stage(of directory: TLSDirectory) throws -> Stage {
        let bundle = try CertificateAuthority.trusted(in: directory)
        if directory.exists(directory.caNextKey) {
            let next = try CertificateAuthority.load(from: directory, keyFile: directory.caNextKey)
            guard bundle.count == 2, bundle[1] == next.certificate else {
                throw SecurityError(
                    .tls,
                    "\(directory.caNextKey) exists but \(directory.caCertificate) does not end with its CA; "
                        + "restore ca.pem from the trust stage or remove \(directory.caNextKey) to start again")
            }
            return .issue
        }
        switch bundle.count {
        case 1: return .trust
        case 2:
            let signer = try CertificateAuthority.load(from: directory)
            guard signer.certificate == bundle[1] else {
                throw SecurityError(
                    .tls,
                    "\(directory.caCertificate) holds two CAs, but \(directory.caKey) is the older one's and "
                        + "\(directory.caNextKey) is missing; the newer CA's key is needed to go on")
            }
            return .retire
        default:
            throw SecurityError(
                .tls, "\(directory.caCertificate) holds \(bundle.count) certificates; a CA rotation expects 1 or 2")
        }
    }

    public func plan(now: Date = Date()) async throws -> Plan {
        let stage = try stage()
        let bundle = try CertificateAuthority.trusted(in: directory)
        var checks = bundle.enumerated().map { index, ca in
            "\(directory.caCertificate) [\(index + 1) of \(bundle.count)]: \(ca.subject), until "
                + TLSInitializer.day(ca.notValidAfter)
        }
        checks.append(try await servedCAFileCheck())
        let hosts = section.hosts.joined(separator: ", ")
        let steps: [String]
        let next: String
        switch stage {
        case .trust:
            steps = [
                "make a new CA (ECDSA P-256, valid \(TLSInitializer.days(section.caValidFor)) days); its key "
                    + "goes to \(directory.caNextKey) (0600)",
                "replace \(directory.caCertificate) by rename with a bundle: the current CA, then the new one",
                "FLUSH SSL on \(admin.endpoint): the server trusts client certificates of either CA",
                "connect afresh verifying the server against the bundle, and against the current CA alone",
            ]
            next =
                "copy \(directory.caCertificate) to every client that keeps its own copy, then run "
                + "dbctl security tls rotate --ca --execute again (stage issue)"
        case .issue:
            checks.append(
                "! not checkable from here: every client that verifies the server must have the bundle (both "
                    + "CAs) in its CA file, since the next certificate chains to the new CA only")
            let clients =
                section.clients.isEmpty
                ? []
                : [
                    "issue the client certificates (\(section.clients.joined(separator: ", "))) from the new CA, "
                        + "by rename"
                ]
            steps =
                [
                    "issue a new server key and certificate for \(hosts) from the new CA, by rename (the current "
                        + "pair is kept as server-cert.pem.previous and server-key.pem.previous)"
                ] + clients + [
                    "FLUSH SSL on \(admin.endpoint)",
                    "connect afresh verifying the server against the new CA alone, and against the bundle",
                    "the new CA signs from now on: \(directory.caNextKey) becomes \(directory.caKey); the old key "
                        + "is kept as \(directory.caPreviousKey)",
                ]
            next =
                "give every client its certificate of the new CA (\(section.directory)/client-*.pem), then run "
                + "dbctl security tls rotate --ca --execute again (stage retire)"
        case .retire:
            checks += try issuedByTheNewCA()
            steps = [
                "replace \(directory.caCertificate) by rename with the new CA alone",
                "FLUSH SSL on \(admin.endpoint): client certificates of the old CA are refused from now on",
                "connect afresh verifying the server against the new CA",
                "remove \(directory.caPreviousKey)",
            ]
            next = "nothing: the CA rotation is complete; clients may drop the old CA from their copies"
        }
        return Plan(stage: stage, checks: checks, steps: steps, next: next)
    }

    /// Runs the plan's stage; returns one line per thing done.
    @discardableResult
    public func execute(_ plan: Plan, now: Date = Date(), progress: @Sendable (String) -> Void = { _ in })
        async throws -> [String]
    {
        guard try stage() == plan.stage else {
            throw SecurityError(.tls, "\(directory.path) changed since the plan; plan again")
        }
        switch plan.stage {
        case .trust: return try await trust(now: now, progress: progress)
        case .issue: return try await issue(now: now, progress: progress)
        case .retire: return try await retire(progress: progress)
        }
    }

    func trust(now: Date, progress: (String) -> Void) async throws -> [String] {
        let current = try CertificateAuthority.load(from: directory)
        let fresh = try CertificateAuthority.create(
            name: "dbctl CA \(TLSInitializer.day(now)) \(UUID().uuidString.prefix(8).lowercased())",
            validity: section.caValidFor, now: now)
        try directory.write(try fresh.key.serializeAsPEM().pemString + "\n", to: directory.caNextKey, mode: 0o600)
        try directory.write(
            try CertificateAuthority.bundle([current.certificate, fresh.certificate]), to: directory.caCertificate,
            mode: 0o644)
        var done = [
            "made \(fresh.certificate.subject), valid until \(TLSInitializer.day(fresh.certificate.notValidAfter))"
        ]
        done.append("\(directory.caCertificate) now trusts both CAs")
        done.forEach(progress)
        try await load(progress: progress, &done)
        try await verify(against: [current.certificate], "the current CA alone", progress: progress, &done)
        return done
    }

    func issue(now: Date, progress: (String) -> Void) async throws -> [String] {
        let next = try CertificateAuthority.load(from: directory, keyFile: directory.caNextKey)
        let oldKey = try directory.read(directory.serverKey)
        let oldCertificate = try directory.read(directory.serverCertificate)
        try directory.write(oldKey, to: directory.serverKey + ".previous", mode: 0o600)
        try directory.write(oldCertificate, to: directory.serverCertificate + ".previous", mode: 0o644)
        let initializer = TLSInitializer(section: section)
        try initializer.writeServer(ca: next, now: now)
        var done = ["issued \(directory.serverCertificate) from the new CA"]
        for client in section.clients {
            try initializer.writeClient(client, ca: next, now: now)
            done.append("issued \(directory.clientCertificate(client)) from the new CA")
        }
        done.forEach(progress)
        do {
            try await load(progress: progress, &done)
        } catch {
            try directory.write(oldKey, to: directory.serverKey, mode: 0o600)
            try directory.write(oldCertificate, to: directory.serverCertificate, mode: 0o644)
            try? await rotation.flush()
            throw SecurityError(
                .tls, "\(error); the previous server pair is back in place and loaded, the stage is still issue")
        }
        try await verify(against: [next.certificate], "the new CA alone", progress: progress, &done)
        try directory.write(try directory.read(directory.caKey), to: directory.caPreviousKey, mode: 0o600)
        try directory.write(try directory.read(directory.caNextKey), to: directory.caKey, mode: 0o600)
        try directory.remove(directory.caNextKey)
        done.append("the new CA signs from now on (\(directory.caKey)); the old key is \(directory.caPreviousKey)")
        progress(done[done.count - 1])
        return done
    }

    func retire(progress: (String) -> Void) async throws -> [String] {
        _ = try issuedByTheNewCA()
        let signer = try CertificateAuthority.load(from: directory)
        try directory.write(
            try CertificateAuthority.bundle([signer.certificate]), to: directory.caCertificate, mode: 0o644)
        var done = ["\(directory.caCertificate) trusts the new CA alone"]
        progress(done[0])
        try await load(progress: progress, &done)
        try directory.remove(directory.caPreviousKey)
        done.append("removed \(directory.caPreviousKey)")
        progress(done[done.count - 1])
        return done
    }

    /// `FLUSH SSL`, then a fresh connection verifying the server against `ca.pem` as it is now.
    func load(progress: (String) -> Void, _ done: inout [String]) async throws {
        try await rotation.flush()
        done.append("FLUSH SSL on \(admin.endpoint)")
        progress(done[done.count - 1])
        guard try await rotation.servingNotAfter(verified: true) != nil else {
            throw SecurityError(.tls, "\(admin.endpoint) serves no certificate after FLUSH SSL")
        }
        done.append("a new connection verified against \(directory.caCertificate) succeeds")
        progress(done[done.count - 1])
    }

    /// A fresh connection verifying the server against `certificates` only, from a private temporary file.
    func verify(
        against certificates: [Certificate], _ what: String, progress: (String) -> Void, _ done: inout [String]
    ) async throws {
        let file = directory.path + "/.verify-\(UUID().uuidString.prefix(8)).pem"
        try directory.write(try CertificateAuthority.bundle(certificates), to: file, mode: 0o600)
        defer { try? directory.remove(file) }
        do {
            _ = try await rotation.servingNotAfter(verified: true, caFile: file)
        } catch {
            throw SecurityError(.tls, "a connection verifying \(admin.endpoint) against \(what) fails: \(error)")
        }
        done.append("a new connection verified against \(what) succeeds")
        progress(done[done.count - 1])
    }

    /// Refuses to retire while the server's or a client's certificate in the directory is not the new CA's.
    func issuedByTheNewCA() throws -> [String] {
        let signer = try CertificateAuthority.load(from: directory)
        var files = [directory.serverCertificate]
        files += section.clients.map(directory.clientCertificate)
        for file in files {
            let certificate: Certificate
            do { certificate = try Certificate(pemEncoded: try directory.read(file)) } catch {
                throw SecurityError(.tls, "\(file): not a PEM certificate (\(error))")
            }
            guard signer.certificate.publicKey.isValidSignature(certificate.signature, for: certificate) else {
                throw SecurityError(
                    .tls,
                    "\(file) is not issued by the new CA; run the issue stage first "
                        + "(dbctl security tls rotate --ca --execute) or reissue it")
            }
        }
        return ["\(files.count) certificate(s) in \(directory.path) are issued by the new CA"]
    }

    /// Whether the server's `ssl_ca` is the directory's `ca.pem`: `FLUSH SSL` loads the file the server names.
    func servedCAFileCheck() async throws -> String {
        let connection: MariaDBConnection
        do { connection = try await MariaDBConnection.connect(admin) } catch {
            throw SecurityError(.server, "cannot connect to \(admin.endpoint) as \(admin.username): \(error)")
        }
        let value: String
        do {
            value = try await connection.query("SELECT @@ssl_ca").rows.first?[0].text ?? ""
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        let mine = URL(fileURLWithPath: directory.caCertificate).standardizedFileURL.path
        guard !value.isEmpty, URL(fileURLWithPath: value).standardizedFileURL.path == mine else {
            throw SecurityError(
                .tls,
                "\(admin.endpoint) has ssl_ca \(value.isEmpty ? "unset" : value), not \(directory.caCertificate); "
                    + "FLUSH SSL loads the file the server names: set ssl_ca to it and restart once")
        }
        return "\(admin.endpoint) trusts \(directory.caCertificate) (ssl_ca)"
    }
}
