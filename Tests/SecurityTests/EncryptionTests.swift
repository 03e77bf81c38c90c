import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// `security encryption init|plan|apply` on a real server: keys written as file_key_management reads them
/// (openssl's format), the plugin loaded at start, tablespaces encrypted at run time while the shop's table
/// is in use; afterwards no customer email is in any file of the data directory or the binary logs.
@Suite struct EncryptionTests {
    static func files(containing needle: String, under directory: String) -> [String] {
        let data = Data(needle.utf8)
        var hits: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let contents = FileManager.default.contents(atPath: path)
            else { continue }
            if contents.range(of: data) != nil { hits.append(name) }
        }
        return hits
    }

    @Test func tablespacesAreEncryptedWhileInUseAndNoEmailIsLeftInTheFiles() async throws {
        let directory = NSTemporaryDirectory() + "storefront-encryption-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let section = EncryptionSection(keyFile: directory + "/keys/keys.enc", filekeyFile: directory + "/keys/filekey")
        let keys = EncryptionKeys(section: section)
        try keys.create()
        #expect(throws: SecurityError.self, "keys are never replaced") { try keys.create() }
        for file in [section.keyFile, section.filekeyFile] {
            #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600)
        }
        var options = MariaDBServer.Options()
        for line in keys.serverSettings() {
            let parts = line.components(separatedBy: " = ")
            // Tables start unencrypted: apply turns that on at run time.
            if ["innodb_encrypt_tables", "innodb_encryption_threads"].contains(parts[0]) { continue }
            options.set(parts[0], parts[1])
        }
        let server = try await TestServer.start(options)
        do {
            let admin = try await MariaDBConnection.connect(server.adminConfiguration())
            _ = try await admin.execute("CREATE DATABASE shop")
            _ = try await admin.execute("CREATE TABLE shop.customers (id INT PRIMARY KEY, email VARCHAR(100))")
            for index in 0..<200 {
                _ = try await admin.execute(
                    "INSERT INTO shop.customers VALUES (\(index), \("ada\(index)@example.com"))")
            }
            _ = try await admin.execute("CREATE TABLE shop.scratch (id INT PRIMARY KEY) ENCRYPTED=NO")
            _ = try await admin.execute("FLUSH TABLES shop.customers FOR EXPORT")
            _ = try await admin.execute("UNLOCK TABLES")
            let data = server.config.dataDirectory
            #expect(
                Self.files(containing: "ada7@example.com", under: data).contains("shop/customers.ibd"),
                "before: the table's file holds the email in clear")

            let encryption = StorageEncryption(section: section, admin: server.adminConfiguration())
            let plan = try await encryption.plan()
            #expect(
                plan.statements == [
                    "SET GLOBAL innodb_encryption_threads = 4", "SET GLOBAL innodb_encrypt_tables = ON",
                ],
                "\(plan.statements)")
            #expect(plan.needsRestart.isEmpty, "log, binlog and temporary files were encrypted from the start")
            #expect(plan.optedOut == ["`shop`.`scratch`"], "an explicit ENCRYPTED=NO is named, and not waited for")
            // The shop keeps writing while the threads work.
            let writer = Task {
                for index in 200..<400 {
                    _ = try await admin.execute(
                        "INSERT INTO shop.customers VALUES (\(index), \("ada\(index)@example.com"))")
                }
            }
            let done = try await encryption.apply(plan, timeout: 300)
            try await writer.value
            #expect(done.done && done.total >= 2, "\(done)")
            #expect(try await encryption.plan().statements.isEmpty, "a second plan has nothing to do")
            _ = try await admin.execute("FLUSH TABLES shop.customers FOR EXPORT")
            _ = try await admin.execute("UNLOCK TABLES")
            _ = try await admin.execute("SET GLOBAL innodb_max_dirty_pages_pct = 0")
            _ = try await admin.execute("FLUSH BINARY LOGS")
            try await Task.sleep(for: .seconds(2))
            #expect(try await admin.query("SELECT COUNT(*) FROM shop.customers").rows[0][0].text == "400")
            try await admin.close()
            let binlogs = server.baseDirectory + "/binlog"
            #expect(FileManager.default.fileExists(atPath: binlogs), "the test server writes binary logs")
            for email in ["ada7@example.com", "ada350@example.com"] {
                let left = Self.files(containing: email, under: data) + Self.files(containing: email, under: binlogs)
                #expect(left.isEmpty, "\(email) in clear in \(left)")
            }
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}
