import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// `security tls init|rotate` on a real server: the certificates dbctl writes are accepted by the server,
/// by Connector/C with verify-identity and by the stock `mariadb` client and `openssl verify`; plaintext and a
/// foreign CA are refused; a rotation under load swaps the certificate with FLUSH SSL, no restart, no failed
/// query; the check names a certificate about to expire.
@Suite struct CertificateTests {
    static func section(_ directory: String) -> TLSSection {
        TLSSection(directory: directory + "/tls", hosts: ["127.0.0.1", "localhost"], clients: ["storefront"])
    }

    /// A server on the certificates of `section`, refusing plaintext, with TLS 1.2 or later only.
    static func withServer(
        _ section: TLSSection, _ body: (MariaDBServer, MariaDBConfiguration) async throws -> Void
    ) async throws {
        let files = TLSDirectory(path: section.directory)
        var options = MariaDBServer.Options()
        options.tls = .init(
            caFile: files.caCertificate, certificateFile: files.serverCertificate, keyFile: files.serverKey)
        for line in TLSInitializer(section: section).serverSettings().dropFirst(3) {
            let parts = line.components(separatedBy: " = ")
            options.set(parts[0], parts[1])
        }
        let server = try await TestServer.start(options)
        var admin = server.adminConfiguration()
        admin.tls = .init(mode: .verifyIdentity, caFile: files.caCertificate)
        do { try await body(server, admin) } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    static func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "storefront-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func initWritesWhatIsMissingAndPeersAcceptIt() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let section = Self.section(directory)
        let initializer = TLSInitializer(section: section)
        #expect(try initializer.plan().writes.count == 3, "CA, server, one client")
        #expect(!FileManager.default.fileExists(atPath: section.directory), "a plan writes nothing")
        let written = try initializer.execute()
        #expect(written.count == 6)
        let files = TLSDirectory(path: section.directory)
        for key in [files.caKey, files.serverKey, files.clientKey("storefront")] {
            let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(key)")
        }
        let facts = try CertificateFacts.read(files.serverCertificate)
        #expect(facts.names == ["127.0.0.1", "localhost"])
        #expect((396...397).contains(facts.daysLeft()))
        // Nothing is replaced: a second init has nothing to write, the files are the same.
        let before = try String(contentsOfFile: files.serverCertificate, encoding: .utf8)
        #expect(try initializer.plan().isEmpty)
        #expect(try initializer.execute().isEmpty)
        #expect(try String(contentsOfFile: files.serverCertificate, encoding: .utf8) == before)
        // The peer tool agrees with the chain and the purposes.
        let verify = try ProgramRunner.run(
            "/usr/bin/openssl",
            ["verify", "-CAfile", files.caCertificate, "-purpose", "sslserver", files.serverCertificate])
        #expect(verify.status == 0, "\(verify.output)")
        // An address is an IP entry (what clients on other TLS stacks match an address against), a name a DNS one.
        let text = try ProgramRunner.run(
            "/usr/bin/openssl", ["x509", "-in", files.serverCertificate, "-noout", "-text"])
        #expect(text.output.contains("IP Address:127.0.0.1, DNS:localhost"), "\(text.output)")
        let client = try ProgramRunner.run(
            "/usr/bin/openssl",
            ["verify", "-CAfile", files.caCertificate, "-purpose", "sslclient", files.clientCertificate("storefront")])
        #expect(client.status == 0, "\(client.output)")

        try await Self.withServer(section) { server, admin in
            // Connector/C, verifying the name 127.0.0.1 against the certificate's IP entry.
            let connection = try await MariaDBConnection.connect(admin)
            #expect(
                try await connection.query("SHOW SESSION STATUS LIKE 'Ssl_version'").rows.first?[1].text
                    .hasPrefix("TLSv1.") == true)
            // An account that must show the client certificate.
            _ = try await connection.execute(
                """
                CREATE USER 'certified'@'127.0.0.1' IDENTIFIED BY 'Only-With-Cert-1'
                REQUIRE SUBJECT '/O=dbctl/CN=storefront'
                """)
            try await connection.close()
            var certified = admin
            certified.username = "certified"
            certified.password = "Only-With-Cert-1"
            await #expect(throws: MariaDBError.self, "REQUIRE SUBJECT refuses a login without the certificate") {
                try await MariaDBConnection.connect(certified).close()
            }
            certified.tls.certificateFile = files.clientCertificate("storefront")
            certified.tls.keyFile = files.clientKey("storefront")
            try await MariaDBConnection.connect(certified).close()
            // The stock client, with its own TLS stack, verifying the server.
            let stock = try ProgramRunner.run(
                "/usr/bin/mariadb",
                [
                    "--no-defaults", "-h127.0.0.1", "-P\(server.port)", "-u\(server.adminUser)",
                    "--ssl-ca=\(files.caCertificate)", "--ssl-verify-server-cert", "-N", "-e", "SELECT 'over tls'",
                ],
                environment: ["MYSQL_PWD": server.adminPassword])
            #expect(stock.status == 0 && stock.output.contains("over tls"), "\(stock.output)")
            // Refused: plaintext, and a server checked against somebody else's CA.
            var plain = admin
            plain.tls = .disable
            await #expect(throws: MariaDBError.self, "require_secure_transport refuses plaintext") {
                try await MariaDBConnection.connect(plain).close()
            }
            let otherDirectory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: otherDirectory) }
            try TLSInitializer(section: Self.section(otherDirectory)).execute()
            var foreign = admin
            foreign.tls = .init(mode: .verifyCA, caFile: otherDirectory + "/tls/ca.pem")
            await #expect(throws: MariaDBError.self, "a certificate from another CA is refused") {
                try await MariaDBConnection.connect(foreign).close()
            }
            // The check has nothing to say about TLS, until the certificate nears its end.
            let findings = try await SecurityCheck(connection: admin).run()
            #expect(!findings.contains { $0.rule.hasPrefix("tls.") }, "\(findings.map(\.rule))")
            let later = try await SecurityCheck(connection: admin, now: Date().addingTimeInterval(380 * 86_400)).run()
            #expect(later.first { $0.rule == "tls.expiry" }?.severity == .medium, "\(later.map(\.rule))")
            let expired = try await SecurityCheck(connection: admin, now: Date().addingTimeInterval(400 * 86_400)).run()
            let finding = expired.first { $0.rule == "tls.expiry" }
            #expect(finding?.severity == .high && finding?.title.contains("has expired") == true)
            #expect(finding?.fix.contains("dbctl security tls rotate") == true)
        }
    }

    @Test func rotationUnderLoadSwapsTheCertificateWithoutARestart() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var section = Self.section(directory)
        section.clients = []
        try TLSInitializer(section: section).execute(now: Date().addingTimeInterval(-380 * 86_400 + 3600))
        try await Self.withServer(section) { server, admin in
            let rotation = TLSRotation(section: section, admin: admin)
            let plan = try await rotation.plan()
            #expect(plan.notDue == nil, "16 days left is inside renew_before: \(plan.checks)")
            #expect(plan.checks.contains { $0.contains("serves") && !$0.hasPrefix("!") }, "\(plan.checks)")
            let uptime = try await Self.uptime(admin)
            // A connection open across the swap, and a load of fresh verified connections.
            let open = try await MariaDBConnection.connect(admin)
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
            // Connections before the swap and at least ten after it, however slow the machine.
            try await Self.wait(until: { done.value >= 3 })
            let outcome = try await rotation.execute(plan)
            let afterSwap = done.value
            try await Self.wait(until: { done.value >= afterSwap + 10 })
            load.cancel()
            _ = await load.result
            #expect(failures.value == 0, "\(failures.value) of \(failures.value + done.value) connections failed")
            #expect(done.value >= 13, "the load ran: \(done.value) connections")
            #expect(outcome.current.daysLeft() >= 396 && outcome.previous.daysLeft() < 30)
            #expect(try await open.query("SELECT 'still here'").rows[0][0].text == "still here")
            try await open.close()
            #expect(try await Self.uptime(admin) >= uptime, "no restart")
            #expect(FileManager.default.fileExists(atPath: section.directory + "/server-cert.pem.previous"))
            // Not due any more; the server now serves the file's certificate.
            let again = try await rotation.plan()
            #expect(again.notDue != nil)
            let serving = try #require(again.serving)
            #expect(abs(serving.timeIntervalSince(outcome.current.notAfter)) <= 1)
        }
    }

    @Test func aReplicaReplicatesOverVerifiedTLS() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var section = Self.section(directory)
        section.clients = []
        try TLSInitializer(section: section).execute()
        try await Self.withServer(section) { primary, admin in
            let replica = try await primary.startReplica(serverID: 2)
            do {
                let status = try BlockingConnection.connect(replica.adminConfiguration())
                defer { status.close() }
                let row = try #require(try status.query("SHOW SLAVE STATUS").rows.first)
                #expect(try row.decode("Master_SSL_Allowed", as: String.self) == "Yes")
                #expect(try row.decode("Master_SSL_Verify_Server_Cert", as: String.self) == "Yes")
                let connection = try await MariaDBConnection.connect(admin)
                _ = try await connection.execute("CREATE DATABASE shop")
                _ = try await connection.execute("CREATE TABLE shop.t (id INT PRIMARY KEY)")
                _ = try await connection.execute("INSERT INTO shop.t VALUES (7)")
                try await connection.close()
                var seen = ""
                for _ in 0..<100 where seen != "7" {
                    seen = (try? status.query("SELECT id FROM shop.t").rows.first?[0].text) ?? ""
                    if seen != "7" { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(seen == "7", "the row reached the replica over the verified channel")
            } catch {
                try? await replica.stop()
                throw error
            }
            try await replica.stop()
        }
    }

    @Test func aServerWithoutACertificateIsNamed() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let section = Self.section(directory)
        try TLSInitializer(section: section).execute()
        let server = try await TestServer.start(MariaDBServer.Options())
        await #expect {
            _ = try await TLSRotation(section: section, admin: server.adminConfiguration()).plan()
        } throws: { error in
            "\(error)".contains("serves no TLS certificate") && "\(error)".contains("restart it once")
        }
        try await server.stop()
    }

    /// Polls `condition` every 50 ms for up to two minutes.
    static func wait(until condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(120)
        while !condition() {
            guard Date() < deadline else { throw MariaDBServerError("the load made no progress in 120 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Seconds since the server started; it only grows while the server is not restarted.
    static func uptime(_ admin: MariaDBConfiguration) async throws -> Int {
        let connection = try await MariaDBConnection.connect(admin)
        let text = try await connection.query("SHOW GLOBAL STATUS LIKE 'Uptime'").rows[0][1].text
        try await connection.close()
        return Int(text) ?? -1
    }
}

/// A counter the load task and the test share.
final class SharedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
