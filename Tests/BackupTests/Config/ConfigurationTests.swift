import DbctlConfig
import Foundation
import Testing

/// The configuration file: the documented example loads, and every mistake is one line naming the key.
@Suite struct ConfigurationTests {
    static let example = """
        server:    {url: "mysql://backup@127.0.0.1:3306/", password_file: /etc/dbctl/backup.pw, data_dir: /var/lib/mysql}
        backup:
          work_dir: /var/lib/dbctl
          key_file: /etc/dbctl/backup.key
          schedule: {full: "0 1 * * *", incremental: "0 * * * *", binlogs: continuous, drill: "30 3 * * *"}
          locations:
            - {name: local,   type: posix, path: /srv/backups}
            - {name: offsite, type: s3,    endpoint: "http://127.0.0.1:9000", bucket: shop-backups, region: us-east-1,
               access_key_file: /etc/dbctl/s3.id, secret_key_file: /etc/dbctl/s3.secret}
            - {name: vault,   type: sftp,  host: 127.0.0.1, port: 2222, user: backup, identity_file: /etc/dbctl/id_ed25519,
               known_hosts_file: /etc/dbctl/known_hosts, path: /backups}
          retention: {hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 2}
        alerts:
          - {type: webhook, url: "http://127.0.0.1:9099/alerts"}
          - {type: command, run: /usr/local/bin/page-oncall}
        """

    @Test func theDocumentedExampleLoads() throws {
        let config = try DbctlConfiguration.parse(Self.example, file: "dbctl.yaml")
        #expect(config.server?.url == "mysql://backup@127.0.0.1:3306/")
        #expect(config.server?.passwordFile == "/etc/dbctl/backup.pw")
        let backup = try #require(config.backup)
        #expect(backup.locations.map(\.name) == ["local", "offsite", "vault"])
        #expect(
            backup.locations[1].kind
                == .s3(
                    endpoint: "http://127.0.0.1:9000", bucket: "shop-backups",
                    region: "us-east-1", accessKeyFile: "/etc/dbctl/s3.id",
                    secretKeyFile: "/etc/dbctl/s3.secret", prefix: ""))
        #expect(
            backup.locations[2].kind
                == .sftp(
                    host: "127.0.0.1", port: 2222, user: "backup",
                    identityFile: "/etc/dbctl/id_ed25519",
                    knownHostsFile: "/etc/dbctl/known_hosts", path: "/backups"))
        #expect(backup.schedule.binlogs == "continuous")
        #expect(backup.retention.monthly == 12)
        #expect(
            config.alerts == [
                .webhook(url: "http://127.0.0.1:9099/alerts"),
                .command(run: "/usr/local/bin/page-oncall", arguments: []),
            ])
    }

    @Test(arguments: [
        ("server: {url: \"mysql://a@h/\", pasword_file: x}", "dbctl.yaml: server.pasword_file: unknown key"),
        ("backup: {key_file: k, locations: [{name: a, type: posix, path: /x}]}", "backup.work_dir: required key"),
        (
            "backup: {work_dir: w, key_file: k, locations: [{name: a, type: ftp, path: /x}]}",
            "backup.locations[0].type: unknown location type ftp"
        ),
        (
            "backup: {work_dir: w, key_file: k, locations: [{name: a, type: posix, path: /x, bucket: b}]}",
            "backup.locations[0].bucket: not a setting of a posix location"
        ),
        (
            "backup: {work_dir: w, key_file: k, locations: [{name: a, type: posix, path: /x}, {name: a, type: posix, path: /y}]}",
            "backup.locations[1].name: location name a is used twice"
        ),
        (
            "backup: {work_dir: w, key_file: k, locations: [{name: a, type: posix, path: /x}], retention: {daily: -1}}",
            "backup.retention.daily: expected a whole number"
        ),
        ("server: {url: \"mysql://backup:hunter2@127.0.0.1/\"}", "server.url: a password in the URL is refused"),
        ("alerts: [{type: pager}]", "alerts[0].type: unknown alert type pager"),
        ("tuning: {}", "dbctl.yaml: tuning: unknown key"),
        (
            "security: {credentials: [{name: shop, accounts: [a], host: h, file: f}]}",
            "security.credentials[0].accounts: expected two different account names"
        ),
        (
            "security: {credentials: [{name: shop, accounts: [a, b], host: \"%\", file: f}]}",
            "security.credentials[0].host: '%' lets the account in from anywhere"
        ),
        (
            "security: {credentials: [{name: shop, accounts: [a, b], host: h, file: f, rotate: yes}]}",
            "security.credentials[0].rotate: unknown key"
        ),
        ("security: {roles: {users: []}}", "security.roles.schema: required key is missing"),
        ("security: {roles: {schema: \"shop; DROP\"}}", "security.roles.schema: a schema name of letters"),
        (
            "security: {roles: {schema: shop, users: [{user: a, role: admin, host: h}]}}",
            "security.roles.users[0].role: unknown role admin; one of shop, reporting, schema"
        ),
        (
            "security: {roles: {schema: shop, users: [{user: a, role: shop, host: \"%\"}]}}",
            "security.roles.users[0].host: '%' lets the account in from anywhere"
        ),
        (
            "security: {roles: {schema: shop, users: [{user: a, role: shop, host: \"10.0.0.%\"}]}}",
            "security.roles.users[0].host: 10.0.0.% is a pattern that lets in any machine matching it"
        ),
        (
            "security: {roles: {schema: shop, users: [{user: a, role: shop, host: h}, {user: a, role: backup, host: h}]}}",
            "security.roles.users[1]: a@h is listed twice"
        ),
        ("security: {tls: {directory: /etc/tls, hosts: []}}", "security.tls.hosts: name at least one host"),
        (
            "security: {tls: {directory: /etc/tls, hosts: [\"db; rm\"]}}",
            "security.tls.hosts[0]: db; rm is not a host name or address"
        ),
        (
            "security: {tls: {directory: /etc/tls, hosts: [db1], valid_for: 20d}}",
            "security.tls.valid_for: valid_for must be longer than renew_before"
        ),
        (
            "security: {tls: {directory: /etc/tls, hosts: [db1], clients: [\"a b\"]}}",
            "security.tls.clients[0]: a client name of letters"
        ),
        ("security: {tls: {hosts: [db1]}}", "security.tls.directory: required key is missing"),
        ("security: {audit: {server_log: audit.log}}", "security.audit.server_log: an absolute path"),
        (
            "security: {audit: {server_log: /a.log, events: [CONNECT, LOGINS]}}",
            "security.audit.events[1]: unknown event LOGINS"
        ),
        (
            "security: {audit: {server_log: /a.log, rotations: 5000}}",
            "security.audit.rotations: expected a whole number"
        ),
        ("server: [1, 2", "dbctl.yaml: not valid YAML"),
    ])
    func mistakesNameTheKey(_ text: String, _ expected: String) {
        do {
            _ = try DbctlConfiguration.parse(text, file: "dbctl.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
            #expect(!"\(error)".contains("hunter2"), "never echoes a password")
        }
    }

    @Test func credentialSetsAreRead() throws {
        let text = """
            server: {url: "mysql://admin@127.0.0.1:3306/"}
            security:
              credentials:
                - {name: shop, accounts: [shop_a, shop_b], host: "10.0.0.%", file: /etc/storefront/db.cnf, max_age: 30d}
            """
        let config = try DbctlConfiguration.parse(text, file: "dbctl.yaml")
        let set = try config.requireCredentials("shop", for: "test")
        #expect(set.accounts == ["shop_a", "shop_b"] && set.host == "10.0.0.%")
        #expect(set.maxAge == 30 * 86_400 && set.drainTimeout == 120)
        #expect(throws: ConfigurationError.self) { try config.requireCredentials("billing", for: "test") }
    }

    @Test func rolesAreRead() throws {
        let text = """
            security:
              roles:
                schema: shop
                require_ssl: false
                users:
                  - {user: shop_a, role: shop, host: 10.0.0.5}
                  - {user: migrator, role: schema, host: 10.0.0.5, password_file: /etc/dbctl/migrator.pw}
            """
        let roles = try #require(try DbctlConfiguration.parse(text, file: "dbctl.yaml").security?.roles)
        #expect(roles.schema == "shop" && roles.prefix == "dbctl_" && !roles.requireSSL)
        #expect(
            roles.users == [
                RoleUser(user: "shop_a", role: "shop", host: "10.0.0.5"),
                RoleUser(user: "migrator", role: "schema", host: "10.0.0.5", passwordFile: "/etc/dbctl/migrator.pw"),
            ])
    }

    @Test func tlsIsRead() throws {
        let text = """
            security:
              tls: {directory: /etc/mysql/tls, hosts: [db1.internal, 10.0.0.4], clients: [storefront], renew_before: 45d}
            """
        let tls = try #require(try DbctlConfiguration.parse(text, file: "dbctl.yaml").security?.tls)
        #expect(
            tls
                == TLSSection(
                    directory: "/etc/mysql/tls", hosts: ["db1.internal", "10.0.0.4"],
                    clients: ["storefront"], renewBefore: 45 * 86_400))
        #expect(tls.validFor == 397 * 86_400 && tls.caValidFor == 3650 * 86_400)
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: ConfigurationError.self) { try DbctlConfiguration.load(path: "/nonexistent/dbctl.yaml") }
        do { _ = try DbctlConfiguration.load(path: "/nonexistent/dbctl.yaml") } catch {
            #expect("\(error)".contains("/nonexistent/dbctl.yaml"))
        }
    }
}
