import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// `security tls rotate --ca` on a real server under a load of fresh verified connections: trust, issue and
/// retire each keep every client that follows the directory's `ca.pem` connected, without a restart; a client
/// with a stale copy of the old CA keeps working until the issue stage; client certificates of the old CA are
/// accepted until the retire stage and refused after it.
@Suite struct CARotationTests {
    @Test func theCAIsReplacedInThreeStagesWithoutAFailedConnection() async throws {
        let directory = try CertificateTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let section = CertificateTests.section(directory)
        let files = TLSDirectory(path: section.directory)
        try TLSInitializer(section: section).execute()
        let staleCA = directory + "/stale-ca.pem"
        let oldClientCertificate = directory + "/old-client-cert.pem"
        let oldClientKey = directory + "/old-client-key.pem"
        for (from, to) in [
            (files.caCertificate, staleCA), (files.clientCertificate("storefront"), oldClientCertificate),
            (files.clientKey("storefront"), oldClientKey),
        ] {
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
        try await CertificateTests.withServer(section) { _, admin in
            let setup = try await MariaDBConnection.connect(admin)
            _ = try await setup.execute(
                """
                CREATE USER 'certified'@'127.0.0.1' IDENTIFIED BY 'Only-With-Cert-1'
                REQUIRE SUBJECT '/O=dbctl/CN=storefront'
                """)
            try await setup.close()
            var certified = admin
            certified.username = "certified"
            certified.password = "Only-With-Cert-1"
            func connects(ca: String, certificate: String, key: String) async -> Bool {
                var configuration = certified
                configuration.tls = .init(mode: .verifyIdentity, caFile: ca, certificateFile: certificate, keyFile: key)
                do {
                    try await MariaDBConnection.connect(configuration).close()
                    return true
                } catch { return false }
            }
            let current = (files.clientCertificate("storefront"), files.clientKey("storefront"))
            let uptime = try await CertificateTests.uptime(admin)
            let rotation = CARotation(section: section, admin: admin)

            // A dry run: the plan names the stage and changes nothing.
            let before = try Data(contentsOf: URL(fileURLWithPath: files.caCertificate))
            let plan = try await rotation.plan()
            #expect(plan.stage == .trust && plan.steps.count == 4, "\(plan)")
            #expect(plan.checks.contains { $0.contains("trusts \(files.caCertificate)") }, "\(plan.checks)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: files.caCertificate)) == before)
            #expect(!FileManager.default.fileExists(atPath: files.caNextKey))

            // Fresh connections verifying the server against ca.pem as it is at each connect, all along.
            let failures = SharedCounter()
            let done = SharedCounter()
            let load = Task {
                while !Task.isCancelled {
                    do {
                        let connection = try await MariaDBConnection.connect(admin)
                        _ = try await connection.query("SELECT 1")
                        try await connection.close()
                        done.add()
                    } catch {
                        failures.add()
                    }
                }
            }
            func progressed() async throws {
                let now = done.value
                try await CertificateTests.wait(until: { done.value >= now + 5 })
            }
            try await progressed()

            // 1. trust: both CAs trusted; certificates unchanged, so the stale client still connects.
            _ = try await rotation.execute(plan)
            #expect(try CertificateFacts.readAll(files.caCertificate).count == 2)
            #expect(try rotation.stage() == .issue)
            #expect(await connects(ca: staleCA, certificate: current.0, key: current.1), "stale CA copy, trust stage")
            // The server already accepts a client certificate of the new CA.
            let next = try CertificateAuthority.load(from: files, keyFile: files.caNextKey)
            let early = try next.issue(.client, commonName: "storefront", validity: 86_400)
            let earlyCertificate = directory + "/early-cert.pem"
            let earlyKey = directory + "/early-key.pem"
            try (try early.certificate.serializeAsPEM().pemString + "\n").write(
                toFile: earlyCertificate, atomically: true, encoding: .utf8)
            try (try early.key.serializeAsPEM().pemString + "\n").write(
                toFile: earlyKey, atomically: true, encoding: .utf8)
            chmod(earlyKey, 0o600)
            #expect(await connects(ca: files.caCertificate, certificate: earlyCertificate, key: earlyKey))
            try await progressed()

            // 2. issue: the server's certificate chains to the new CA; old client certificates still accepted.
            let issue = try await rotation.plan()
            #expect(issue.stage == .issue)
            _ = try await rotation.execute(issue)
            #expect(try rotation.stage() == .retire)
            #expect(!FileManager.default.fileExists(atPath: files.caNextKey))
            #expect(FileManager.default.fileExists(atPath: files.caPreviousKey))
            #expect(!(await connects(ca: staleCA, certificate: current.0, key: current.1)), "stale CA: refused")
            #expect(await connects(ca: files.caCertificate, certificate: oldClientCertificate, key: oldClientKey))
            #expect(await connects(ca: files.caCertificate, certificate: current.0, key: current.1))
            let verify = try ProgramRunner.run(
                "/usr/bin/openssl",
                ["verify", "-CAfile", files.caCertificate, "-purpose", "sslserver", files.serverCertificate])
            #expect(verify.status == 0, "\(verify.output)")
            try await progressed()

            // Retiring refuses while a certificate in the directory is still the old CA's.
            let issuedByNew = try Data(contentsOf: URL(fileURLWithPath: current.0))
            try FileManager.default.removeItem(atPath: current.0)
            try FileManager.default.copyItem(atPath: oldClientCertificate, toPath: current.0)
            await #expect {
                _ = try await rotation.plan()
            } throws: { error in
                "\(error)".contains(current.0) && "\(error)".contains("not issued by the new CA")
            }
            try issuedByNew.write(to: URL(fileURLWithPath: current.0))

            // 3. retire: the new CA alone; old client certificates refused from now on.
            let retire = try await rotation.plan()
            #expect(retire.stage == .retire)
            _ = try await rotation.execute(retire)
            #expect(try CertificateFacts.readAll(files.caCertificate).count == 1)
            #expect(try rotation.stage() == .trust, "ready for the next rotation")
            #expect(!FileManager.default.fileExists(atPath: files.caPreviousKey))
            #expect(!(await connects(ca: files.caCertificate, certificate: oldClientCertificate, key: oldClientKey)))
            #expect(await connects(ca: files.caCertificate, certificate: current.0, key: current.1))
            try await progressed()

            load.cancel()
            _ = await load.result
            #expect(failures.value == 0, "\(failures.value) of \(failures.value + done.value) connections failed")
            #expect(try await CertificateTests.uptime(admin) >= uptime, "no restart")
        }
    }

    /// During a rotation the agent watches both CAs of the bundle, and the fix it names is the CA rotation.
    @Test func theWatchSeesBothCAsOfTheBundle() throws {
        let directory = try CertificateTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var section = CertificateTests.section(directory)
        section.caValidFor = 400 * 86_400
        section.clients = []
        try TLSInitializer(section: section).execute(now: Date().addingTimeInterval(-380 * 86_400))
        let files = TLSDirectory(path: section.directory)
        let fresh = try CertificateAuthority.create(name: "dbctl CA next", validity: 3650 * 86_400)
        let bundle =
            try String(contentsOfFile: files.caCertificate, encoding: .utf8)
            + fresh.certificate.serializeAsPEM().pemString + "\n"
        try bundle.write(toFile: files.caCertificate, atomically: true, encoding: .utf8)
        let conditions = SecurityConditions(
            configuration: DbctlConfiguration(file: "dbctl.yaml", security: SecuritySection(tls: section)))
        let alerts = conditions.evaluate(now: Date())
        let old = try #require(alerts.first { $0.id == "security.tls.expiry/ca" }, "\(alerts.map(\.id))")
        #expect(old.summary.contains("dbctl security tls rotate --ca --execute"), "\(old.summary)")
        #expect(!alerts.contains { $0.id == "security.tls.expiry/ca-new" }, "the new CA has ten years")
        let later = conditions.evaluate(now: Date().addingTimeInterval(3640 * 86_400))
        #expect(later.contains { $0.id == "security.tls.expiry/ca-new" })
    }

    @Test func aCertificateWithoutItsKeyIsNamed() throws {
        let directory = try CertificateTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let section = CertificateTests.section(directory)
        let files = TLSDirectory(path: section.directory)
        try TLSInitializer(section: section).execute()
        try FileManager.default.removeItem(atPath: files.serverKey)
        #expect {
            _ = try TLSInitializer(section: section).plan()
        } throws: { error in
            "\(error)" == "\(files.serverCertificate) exists without its key \(files.serverKey)"
        }
        try FileManager.default.removeItem(atPath: files.caCertificate)
        #expect {
            _ = try TLSInitializer(section: section).plan()
        } throws: { error in
            "\(error)" == "\(files.caKey) exists without its certificate \(files.caCertificate)"
        }
    }
}
