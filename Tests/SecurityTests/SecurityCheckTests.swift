import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Security
import Testing

/// `dbctl security check` on a stock server made careless by hand, and on the deployment the docs describe
/// (TLS, the baseline settings, roles): every careless thing is a finding with its fix; the deployment passes.
@Suite struct SecurityCheckTests {
    static var dbctl: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/dbctl").path
    }

    /// Runs `dbctl security check --output json` as the server's admin; the exit status and the findings.
    static func check(_ server: MariaDBServer, _ extra: [String] = [], ca: String? = nil) throws
        -> (status: Int32, findings: [[String: Any]], text: String)
    {
        guard FileManager.default.isExecutableFile(atPath: dbctl) else {
            throw MariaDBServerError("\(dbctl) missing: build the package (swift build) first")
        }
        var url = "mysql://\(server.adminUser)@127.0.0.1:\(server.port)/"
        if let ca { url += "?sslmode=verify-identity&sslca=\(ca)" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dbctl)
        process.arguments =
            [
                "security", "check", "--url", url, "--password-file", server.adminPasswordFile,
                "--output", "json",
            ] + extra
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (process.terminationStatus, object?["findings"] as? [[String: Any]] ?? [], text)
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
        try await TestServer.withTLSServer({ options in
            for setting in SecurityBaseline.settings(
                secureFiles: directory + "/files", auditFile: directory + "/audit.log")
            {
                options.set(setting.name, setting.value)
            }
        }) { certs, server in
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
            let (status, findings, text) = try Self.check(server, ["--fail-on", "low"], ca: certs.caFile)
            #expect(findings.isEmpty, "\(text)")
            #expect(status == 0, "\(text)")
            // The baseline holds: plaintext refused, the audit log written.
            var plain = server.adminConfiguration()
            plain.tls = .disable
            #expect(throws: MariaDBError.self, "require_secure_transport refuses plaintext") {
                try BlockingConnection.connect(plain).close()
            }
            #expect(FileManager.default.fileExists(atPath: directory + "/audit.log"))
            // A server that refuses password hashes gets named, with its setting.
            try admin.execute("SET GLOBAL strict_password_validation = ON")
            let more = RolesSection(
                schema: "shop", users: [RoleUser(user: "report", role: "reporting", host: "10.0.0.6")])
            let refused = try await RolesPlanner(section: more, admin: server.adminConfiguration()).plan()
            await #expect(throws: SecurityError.self) {
                try await RolesApplier(admin: server.adminConfiguration()).apply(refused)
            }
            do { try await RolesApplier(admin: server.adminConfiguration()).apply(refused) } catch {
                #expect("\(error)".contains("set strict_password_validation = OFF"), "\(error)")
            }
        }
    }
}
