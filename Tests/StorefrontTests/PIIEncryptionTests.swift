import FluentKit
import Foundation
import Hummingbird
import HummingbirdTesting
import MariaDBServer
import MariaDBTestSupport
import SQLKit
import Storefront
import Testing

/// Customers' personal data at rest: sealed in every column, bound to its row, unreadable in the raw files and
/// in a dump, and re-sealed under a new key while the shop serves.
@Suite(.mariaDB) struct PIIEncryptionTests {
    static let secrets = [
        "Wilhelmina Quaxley", "wilhelmina.q@example.org", "+41 44 555 01 02", "Geheimgasse 17",
        "Quellstadt", "8099",
    ]

    /// A customer with an address, through the API; returns the customer's id.
    static func shopper(_ shop: ShopClient) async throws -> Int {
        let id = try await shop.customer("wilhelmina.q@example.org", name: "Wilhelmina Quaxley")
        let phone = try await shop.signedIn(as: id).get("/customers/me")
        #expect(phone["email"] as? String == "wilhelmina.q@example.org")
        let address = try await shop.signedIn(as: id).post(
            "/customers/\(id)/addresses",
            """
            {"line1": "Geheimgasse 17", "city": "Quellstadt", "postal_code": "8099", "country": "CH"}
            """)
        #expect(address.status == 201, "\(address.text)")
        return id
    }

    static func raw(_ db: StorefrontDatabase, _ query: String) async throws -> [[String?]] {
        let sql = try #require(db.database() as? any SQLDatabase)
        return try await sql.raw(SQLQueryString(query)).all().map { row in
            row.allColumns.map { try? row.decode(column: $0, as: String?.self) ?? nil }
        }
    }

    @Test(arguments: [Backend.sqlite, .mariadb])
    func everyPersonalColumnIsSealedAndTheAPIReadsItBack(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, services in
            let id = try await Self.shopper(shop)
            let me = try await shop.signedIn(as: id).get("/customers/me")
            #expect(me["name"] as? String == "Wilhelmina Quaxley")
            #expect(me["phone"] as? String == "+49 30 123456")
            let addresses = try await shop.signedIn(as: id).get("/customers/\(id)/addresses")
            #expect((addresses.array.first as? [String: Any])?["line1"] as? String == "Geheimgasse 17")

            let customers = try await Self.raw(services.db, "SELECT email, name, phone, email_index FROM customers")
            let stored = try await Self.raw(services.db, "SELECT line1, city, postal_code FROM addresses")
            for value in (customers.flatMap { $0.prefix(3) } + stored.flatMap { $0 }).compactMap({ $0 }) {
                #expect(value.hasPrefix("pii1:1:"), "sealed: \(value.prefix(12))")
                for secret in Self.secrets { #expect(!value.contains(secret)) }
            }
            let index = try #require(customers.first?[3] ?? nil)
            #expect(index.count == 64 && index.allSatisfy(\.isHexDigit))
            // Sign-in finds the customer by the blind index alone.
            #expect(try await shop.signIn("  Wilhelmina.Q@example.org", ShopClient.password).status == 201)
            let duplicate = try await shop.post(
                "/customers",
                AccountAPITests.newCustomer(
                    "WILHELMINA.q@example.org", password: "Another-long-pass-9"))
            #expect(duplicate.status == 409)
            #expect(duplicate.errorCode == "email_taken")
        }
    }

    /// A sealed value moved to another row, or changed by one character, is an error, never someone else's data.
    @Test(arguments: [Backend.sqlite, .mariadb])
    func aCopiedOrChangedValueDoesNotDecrypt(backend: Backend) async throws {
        try await ShopHarness.withShop(backend) { shop, services in
            let victim = try await Self.shopper(shop)
            let thief = try await shop.customer("thief@example.com", name: "Tom Thief")
            let sql = try #require(services.db.database() as? any SQLDatabase)
            let victimName = try await Self.raw(services.db, "SELECT name FROM customers WHERE id = \(victim)")[0][0]
            try await sql.update("customers").set("name", to: victimName).where("id", .equal, thief).run()
            let copied = try await shop.signedIn(as: thief).get("/customers/me")
            #expect(copied.status == 500, "\(copied.text)")
            #expect(!copied.text.contains("Wilhelmina"), "never another row's plaintext")

            let sealed = try #require(
                try await Self.raw(services.db, "SELECT email FROM customers WHERE id = \(victim)")[0][0])
            var characters = Array(sealed)
            let position = characters.count - 5
            characters[position] = characters[position] == "A" ? "B" : "A"
            try await sql.update("customers").set("email", to: String(characters)).where("id", .equal, victim).run()
            let tampered = try await shop.signedIn(as: victim).get("/customers/me")
            #expect(tampered.status == 500)
            #expect(tampered.errorCode == "internal")
        }
    }

    @Test func rawSQLiteFilesHoldNoPersonalData() async throws {
        let harness = try await ShopHarness.make(.sqlite)
        do {
            try await harness.withClient { shop in _ = try await Self.shopper(shop) }
            guard case .sqlite(let path) = harness.services.configuration.database else { return }
            var bytes = Data()
            for suffix in ["", "-wal"] { bytes += FileManager.default.contents(atPath: path + suffix) ?? Data() }
            #expect(bytes.count > 4096)
            for secret in Self.secrets {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in the SQLite file")
            }
        } catch {
            await harness.cleanup()
            throw error
        }
        await harness.cleanup()
    }

    /// mariadb-dump of the shop, and every file of the server's data directory (tablespaces, redo, undo, binlogs).
    @Test func aDumpAndTheServersFilesHoldNoPersonalData() async throws {
        let server = try TestServer.require()
        let harness = try await ShopHarness.make(.mariadb)
        do {
            try await harness.withClient { shop in _ = try await Self.shopper(shop) }
            guard case .mariaDB(let box) = harness.services.configuration.database else { return }
            let database = try #require(box.configuration.database)
            let options = server.baseDirectory + "/pii-dump.cnf"
            FileManager.default.createFile(
                atPath: options,
                contents: Data("[client]\nuser=\(server.adminUser)\npassword=\(server.adminPassword)\n".utf8),
                attributes: [.posixPermissions: 0o600])
            defer { try? FileManager.default.removeItem(atPath: options) }
            let dump = Process()
            dump.executableURL = URL(fileURLWithPath: "/usr/bin/mariadb-dump")
            dump.arguments = [
                "--defaults-extra-file=\(options)", "-h127.0.0.1", "-P\(server.port)", "--single-transaction",
                database,
            ]
            let pipe = Pipe()
            dump.standardOutput = pipe
            dump.standardError = FileHandle.nullDevice
            try dump.run()
            let text = pipe.fileHandleForReading.readDataToEndOfFile()
            dump.waitUntilExit()
            #expect(dump.terminationStatus == 0)
            #expect(String(decoding: text, as: UTF8.self).contains("INSERT INTO `customers`"))
            for secret in Self.secrets { #expect(text.range(of: Data(secret.utf8)) == nil, "\(secret) in the dump") }

            let sql = try #require(harness.services.db.database() as? any SQLDatabase)
            try await sql.raw("FLUSH TABLES").run()
            let dataDirectory = server.config.dataDirectory
            let files = FileManager.default.enumerator(atPath: dataDirectory)?.compactMap { $0 as? String } ?? []
            var scanned = 0
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: dataDirectory + "/" + file) else { continue }
                scanned += bytes.count
                for secret in Self.secrets.prefix(2) {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in \(file)")
                }
            }
            #expect(scanned > 1_000_000)
        } catch {
            await harness.cleanup()
            throw error
        }
        await harness.cleanup()
    }

    /// A shop that ran without a key, then a rotation to a second key, while customers keep signing in and
    /// reading their data: nothing fails, and at the end every value is under the new key.
    @Test(arguments: [Backend.sqlite, .mariadb])
    func plainDataIsEncryptedAndKeysRotateWhileTheShopServes(backend: Backend) async throws {
        let first = Data(repeating: 0x11, count: 32)
        let second = Data(repeating: 0x22, count: 32)
        let harness = try await ShopHarness.make(backend, configure: { $0.pii = .plain })
        do {
            try await harness.withClient { shop in
                for n in 0..<12 { _ = try await shop.customer("early\(n)@example.com", name: "Early \(n)") }
            }
            let plain = try await Self.raw(harness.services.db, "SELECT name FROM customers ORDER BY id")
            #expect(plain.first?.first == "Early 0", "stored in clear without a key")

            for (label, codec) in [
                ("encrypt", PIICodec(keys: [1: first])),
                ("rotate", PIICodec(keys: [1: first, 2: second])),
            ] {
                let services = StorefrontServices(
                    configuration: {
                        var c = harness.services.configuration
                        c.pii = codec
                        return c
                    }(), db: harness.services.db)
                let app = Application(router: StorefrontApplication.router(services: services))
                try await app.test(.router) { client in
                    let shop = ShopClient(client: client)
                    let readers = Task {
                        var failures: [String] = []
                        for round in 0..<15 {
                            let n = round % 12
                            let session = try await shop.signIn("early\(n)@example.com", ShopClient.password)
                            let token = session["token"] as? String ?? ""
                            let me = try await shop.bearer(token).get("/customers/me")
                            if session.status != 201 || me["name"] as? String != "Early \(n)" {
                                failures.append("\(label) round \(round): \(session.status) \(me.status) \(me.text)")
                            }
                        }
                        return failures
                    }
                    let report = try await PIIReencryption(pii: codec, batchSize: 5).run(
                        on: harness.services.db.database())
                    #expect(report.notCurrent == 0, "\(report)")
                    #expect(report.customersChanged == 12, "\(label): \(report)")
                    #expect(try await readers.value.isEmpty, "\(label)")
                    let again = try await PIIReencryption(pii: codec).run(on: harness.services.db.database())
                    #expect(again.customersChanged == 0 && again.addressesChanged == 0, "a second run changes nothing")
                }
            }
            let names = try await Self.raw(harness.services.db, "SELECT name FROM customers ORDER BY id")
            #expect(names.allSatisfy { $0[0]?.hasPrefix("pii1:2:") == true }, "\(names.prefix(2))")
            // The first key can go: everything reads with the second alone.
            let onlySecond = PIICodec(keys: [2: second])
            let customers = try await Customer.query(on: harness.services.db.database()).sort(\.$id).all()
            #expect(try customers.map { try $0.name(onlySecond) } == (0..<12).map { "Early \($0)" })
        } catch {
            await harness.cleanup()
            throw error
        }
        await harness.cleanup()
    }

    @Test func keyFilesAreCheckedAndNamed() throws {
        let folder = NSTemporaryDirectory() + "pii-keys-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/keys"
        let text = PIICodec.newKeyLine(version: 1) + "\n" + PIICodec.newKeyLine(version: 2) + "\ncurrent 1\n"
        FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        let codec = try PIICodec.load(file: file)
        #expect(codec.currentVersion == 1, "a new key can be known before it is used")
        #expect(try codec.seal("x", .customerName, row: 1).hasPrefix("pii1:1:"))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file)
        let open = try #require(throws: StorefrontConfigurationError.self) { try PIICodec.load(file: file) }
        #expect(open.description.contains("chmod 600"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        try Data("1 abcd\n".utf8).write(to: URL(fileURLWithPath: file))
        let short = try #require(throws: StorefrontConfigurationError.self) { try PIICodec.load(file: file) }
        #expect(short.description.contains(":1") && short.description.contains("64 hex"))
    }

    /// `PII_PLAINTEXT`: with a key, a value in clear is refused in production (naming column and row, not the
    /// value) and read in other environments or with `accept`; `reencrypt` reads it whatever the setting.
    @Test func aValueInClearIsRefusedInProduction() throws {
        var codec = PIICodec(keys: [1: Data(repeating: 0x33, count: 32)])
        #expect(try codec.open("Written Behind", .customerName, row: 9) == "Written Behind")
        codec.acceptsPlaintext = false
        let error = try #require(throws: PIIError.self) { try codec.open("Written Behind", .customerName, row: 9) }
        #expect(error.description.contains("customers.name of row 9 is stored in clear"), "\(error)")
        #expect(!error.description.contains("Written"))
        #expect(try codec.open(try codec.seal("Sealed", .customerName, row: 9), .customerName, row: 9) == "Sealed")
        #expect(PIIReencryption(pii: codec).pii.acceptsPlaintext)
        #expect(PIICodec.plain.acceptsPlaintext)
        #expect(try PIICodec.plain.open("x", .customerName, row: 1) == "x")

        try EnvironmentTests.withGoodProduction { production in
            let strict = try StorefrontConfiguration.fromEnvironment(production, dotEnvDirectory: "/nonexistent")
            #expect(!strict.pii.acceptsPlaintext, "production refuses by default")
            let during = try StorefrontConfiguration.fromEnvironment(
                production.merging(["PII_PLAINTEXT": "accept"]) { $1 }, dotEnvDirectory: "/nonexistent")
            #expect(during.pii.acceptsPlaintext)
            let development = try StorefrontConfiguration.fromEnvironment(
                ["PII_KEY_FILE": production["PII_KEY_FILE"]!], dotEnvDirectory: "/nonexistent")
            #expect(development.pii.acceptsPlaintext)
            #expect(throws: StorefrontConfigurationError.self) {
                try StorefrontConfiguration.fromEnvironment(
                    production.merging(["PII_PLAINTEXT": "maybe"]) { $1 }, dotEnvDirectory: "/nonexistent")
            }
        }
    }

    /// `storefront pii reencrypt` as an operator runs it on a shop seeded in clear: killed with SIGKILL
    /// mid-run, run again, it seals only what was left, and the file then holds no customer's email.
    @Test func theReencryptCommandResumesAfterKill9() async throws {
        let folder = try ServeProcess.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var environment = ["DATABASE_URL": "sqlite://\(folder)/shop.sqlite"]
        for arguments in [["migrate"], ["seed", "--scale", "2000"]] {
            let (status, output) = try ServeProcess.run(arguments, environment: environment)
            try #require(status == 0, "storefront \(arguments[0]): \(output.suffix(400))")
        }
        let keys = folder + "/pii.keys"
        FileManager.default.createFile(
            atPath: keys, contents: Data((PIICodec.newKeyLine(version: 1) + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        environment["PII_KEY_FILE"] = keys

        let first = Process()
        first.executableURL = URL(fileURLWithPath: ServeProcess.binary)
        first.arguments = ["pii", "reencrypt", "--batch", "5"]
        first.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        first.standardOutput = pipe
        first.standardError = pipe
        try first.run()
        var seen = ""
        while !seen.contains("re-sealed\n"), first.isRunning {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal, "killed mid-run: \(seen.suffix(300))")

        let (status, output) = try ServeProcess.run(
            ["pii", "encrypt-existing", "--batch", "200"], environment: environment)
        #expect(status == 0, "\(output.suffix(400))")
        let summary = try #require(output.split(separator: "\n").last { $0.hasPrefix("re-sealed") }, "\(output)")
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        try #require(numbers.count >= 4, "\(summary)")
        let (resealed, checked) = (numbers[0], numbers[2])
        #expect(checked == 1000, "\(summary)")
        #expect(resealed > 0 && resealed < checked, "only what the killed run left: \(summary)")
        #expect(summary.hasSuffix(" 0 not under the current key"), "\(summary)")

        var bytes = Data()
        for suffix in ["", "-wal"] {
            bytes += (try? Data(contentsOf: URL(fileURLWithPath: folder + "/shop.sqlite" + suffix))) ?? Data()
        }
        #expect(!bytes.isEmpty)
        let (again, rerun) = try ServeProcess.run(["pii", "rotate-key"], environment: environment)
        #expect(again == 0 && rerun.contains("re-sealed 0 customers and 0 addresses"), "\(rerun.suffix(300))")
        // Freed pages may keep old bytes until vacuumed; the live rows are what must hold no email.
        let (dumped, dump) = try ProgramRunner.run(
            "/usr/bin/sqlite3", [folder + "/shop.sqlite", "SELECT email, name FROM customers"])
        #expect(dumped == 0, "\(dump.prefix(200))")
        #expect(!dump.contains("@example.com") && dump.contains("pii1:1:"), "\(dump.prefix(200))")
    }
}
