import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// `dbctl security check` on a stock server made careless by hand, and on the deployment the docs describe
/// (TLS, the baseline settings, roles): every careless thing is a finding with its fix; the deployment passes.
@Suite struct SecurityCheckTests {
    static var dbctl: String { DbctlProcess.path }

    /// Runs `dbctl` with `arguments`; its exit status and output.
    static func dbctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try DbctlProcess.run(arguments)
    }

    /// Runs `dbctl security check --output json` as the server's admin; the exit status and the findings.
    static func check(_ server: MariaDBServer, _ extra: [String] = [], ca: String? = nil) throws
        -> (status: Int32, findings: [[String: Any]], text: String)
    {
        var url = "mysql://\(server.adminUser)@127.0.0.1:\(server.port)/"
        if let ca { url += "?sslmode=verify-identity&sslca=\(ca)" }
        let (status, text) = try dbctl(
            ["security", "check", "--url", url, "--password-file", server.adminPasswordFile, "--output", "json"]
                + extra)
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return (status, object?["findings"] as? [[String: Any]] ?? [], text)
    }

    @Test func aCarelessServerHasEveryProblemNamedWithItsFix() async throws {
        var options = MariaDBServer.Options()
        options.set("skip_name_resolve", "OFF")
        let server = try await TestServer.start(options)
        do {
            let admin = try BlockingConnection.connect(server.adminConfiguration())
            defer { admin.close() }
            for sql in [
                "CREATE USER ''@'localhost'", "CREATE USER 'nopass'@'10.1.2.3'",
                "CREATE USER 'app'@'%' IDENTIFIED BY 'Some-App-Pass-1'", "GRANT FILE ON *.* TO 'app'@'%'",
                "CREATE ROLE too_much", "GRANT SUPER ON *.* TO too_much",
                "CREATE USER 'report'@'10.1.2.4' IDENTIFIED BY 'Some-Report-Pass-1' REQUIRE SSL",
                "GRANT too_much TO 'report'@'10.1.2.4'",
                "CREATE USER 'root'@'10.1.2.5' IDENTIFIED BY 'Root-Elsewhere-1'", "CREATE DATABASE test",
                "CREATE USER 'pat'@'10.1.2.%' IDENTIFIED BY 'Some-Pattern-Pass-1' REQUIRE SSL",
            ] {
                try admin.execute(MariaDBQuery(unsafeSQL: sql))
            }
            chmod(server.baseDirectory + "/data", 0o755)
            let (status, findings, text) = try Self.check(server)
            #expect(status == 1, "high findings fail the check: \(text)")
            func finding(_ rule: String) -> [String: Any]? { findings.first { $0["rule"] as? String == rule } }
            let expected: [(String, String, String)] = [
                ("accounts.anonymous", "high", "''@'localhost'"),
                ("accounts.empty_password", "high", "nopass@10.1.2.3"),
                ("accounts.any_host", "medium", "app@%"), ("accounts.remote_root", "high", "root@10.1.2.5"),
                ("accounts.remote_without_tls", "medium", "app@%"), ("databases.test", "medium", "present"),
                ("tls.available", "high", "DISABLED"), ("tls.required", "high", "OFF"),
                ("files.local_infile", "medium", "ON"), ("files.secure_file_priv", "medium", "not set"),
                ("network.name_resolve", "low", "OFF"), ("audit.off", "medium", "not loaded"),
                ("passwords.policy", "medium", "simple_password_check"),
                ("passwords.max_errors", "medium", "4294967295"), ("files.datadir_mode", "high", "755"),
                ("accounts.host_pattern", "low", "pat@10.1.2.%"),
            ]
            for (rule, severity, evidence) in expected {
                let found = finding(rule)
                #expect(found?["severity"] as? String == severity, "\(rule): \(text)")
                #expect(
                    (found?["evidence"] as? String ?? "").contains(evidence), "\(rule): \(String(describing: found))")
                let fix = found?["fix"] as? String ?? ""
                #expect(fix.isEmpty == false, "\(rule) has a fix")
            }
            let administrative = findings.filter { $0["rule"] as? String == "privileges.administrative" }
                .compactMap { $0["evidence"] as? String }
            #expect(administrative.contains { $0.hasPrefix("app@%: FILE") }, "\(administrative)")
            #expect(
                administrative.contains { $0.hasPrefix("report@10.1.2.4: SUPER") }, "through a role: \(administrative)")
            #expect(
                !text.contains("Some-App-Pass-1") && !text.contains(server.adminPassword), "no secret in the output")
            // Named administrators may hold what they hold.
            let (_, allowed, _) = try Self.check(server, ["--admin", "app", "--admin", "report"])
            #expect(!allowed.contains { $0["rule"] as? String == "privileges.administrative" })
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test func theDocumentedDeploymentPasses() async throws {
        let directory = NSTemporaryDirectory() + "storefront-hardened-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/files", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The certificates as the docs make them: dbctl security tls init.
        let tls = TLSDirectory(path: directory + "/tls")
        let config = directory + "/dbctl.yaml"
        try "security: {tls: {directory: \(tls.path), hosts: [127.0.0.1]}}\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let initialised = try Self.dbctl(["security", "tls", "init", "--config", config, "--execute"])
        #expect(initialised.status == 0, "\(initialised.output)")
        var options = MariaDBServer.Options()
        options.tls = .init(caFile: tls.caCertificate, certificateFile: tls.serverCertificate, keyFile: tls.serverKey)
        for setting in SecurityBaseline.settings(secureFiles: directory + "/files", auditFile: directory + "/audit.log")
        {
            options.set(setting.name, setting.value)
        }
        let server = try await TestServer.start(options)
        do {
            try await Self.deploymentPasses(server, directory: directory, tls: tls, config: config)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    static func deploymentPasses(_ server: MariaDBServer, directory: String, tls: TLSDirectory, config: String)
        async throws
    {
        let admin = try BlockingConnection.connect(server.adminConfiguration())
        defer { admin.close() }
        try admin.execute("CREATE DATABASE shop")
        let section = RolesSection(
            schema: "shop",
            users: [
                RoleUser(user: "shop_a", role: "shop", host: "10.0.0.5"),
                RoleUser(user: "shop_b", role: "shop", host: "10.0.0.5"),
                RoleUser(user: "backup", role: "backup", host: "127.0.0.1", passwordFile: directory + "/backup.pw"),
            ])
        let plan = try await RolesPlanner(section: section, admin: server.adminConfiguration()).plan()
        try await RolesApplier(admin: server.adminConfiguration()).apply(plan)
        let (status, findings, text) = try Self.check(server, ["--fail-on", "low"], ca: tls.caCertificate)
        #expect(findings.isEmpty, "\(text)")
        #expect(status == 0, "\(text)")
        // The baseline holds: plaintext refused, the audit log written.
        var plain = server.adminConfiguration()
        plain.tls = .disable
        #expect(throws: MariaDBError.self, "require_secure_transport refuses plaintext") {
            try BlockingConnection.connect(plain).close()
        }
        #expect(FileManager.default.fileExists(atPath: directory + "/audit.log"))
        // The certificate renewed from the command line, loaded without a restart.
        let url =
            "mysql://\(server.adminUser)@127.0.0.1:\(server.port)/?ssl-mode=verify-identity"
            + "&ssl-ca=\(tls.caCertificate)"
        try """
        server: {url: "\(url)", password_file: \(server.adminPasswordFile)}
        security: {tls: {directory: \(tls.path), hosts: [127.0.0.1]}}

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let rotated = try Self.dbctl(["security", "tls", "rotate", "--config", config, "--force", "--execute"])
        #expect(rotated.status == 0, "\(rotated.output)")
        #expect(rotated.output.contains("rotated: the server serves a certificate valid until"), "\(rotated.output)")
        #expect(!rotated.output.contains(server.adminPassword))
        // A server that refuses password hashes gets named, with its setting.
        try admin.execute("SET GLOBAL strict_password_validation = ON")
        let more = RolesSection(schema: "shop", users: [RoleUser(user: "report", role: "reporting", host: "10.0.0.6")])
        let refused = try await RolesPlanner(section: more, admin: server.adminConfiguration()).plan()
        await #expect(throws: SecurityError.self) {
            try await RolesApplier(admin: server.adminConfiguration()).apply(refused)
        }
        do { try await RolesApplier(admin: server.adminConfiguration()).apply(refused) } catch {
            #expect("\(error)".contains("set strict_password_validation = OFF"), "\(error)")
        }
    }
}
