import FluentKit
import Foundation
import MariaDBTestSupport
import SQLKit
import Storefront
import Testing

/// On MariaDB every shop table is InnoDB, `DYNAMIC`, utf8mb4 / `utf8mb4_unicode_ci` whatever the server and
/// database default to, and a schema created under latin1 defaults before is refused with the fix.
@Suite(.mariaDB, .latin1MariaDB) struct SchemaCharsetTests {
    struct Table: Decodable, Equatable, CustomStringConvertible {
        let name: String, engine: String, rowFormat: String, collation: String
        var description: String { "\(name) \(engine) \(rowFormat) \(collation)" }
    }

    struct Column: Decodable, Equatable, CustomStringConvertible {
        let table: String, column: String, type: String, charset: String, collation: String
        var description: String { "\(table).\(column) \(type) \(charset) \(collation)" }
    }

    static func tables(_ sql: any SQLDatabase) async throws -> [Table] {
        try await sql.raw("""
            SELECT TABLE_NAME AS name, ENGINE AS engine, ROW_FORMAT AS rowFormat, TABLE_COLLATION AS collation
            FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME
            """).all(decoding: Table.self)
    }

    static func textColumns(_ sql: any SQLDatabase) async throws -> [Column] {
        try await sql.raw("""
            SELECT TABLE_NAME AS `table`, COLUMN_NAME AS `column`, COLUMN_TYPE AS type,
                   CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation
            FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() AND CHARACTER_SET_NAME IS NOT NULL ORDER BY TABLE_NAME, ORDINAL_POSITION
            """).all(decoding: Column.self)
    }

    static func sql(_ harness: ShopHarness) throws -> any SQLDatabase {
        try #require(harness.services.db.database() as? any SQLDatabase)
    }

    @Test func everyTableIsUtf8mb4InnoDBWhateverTheServerDefaults() async throws {
        var layouts: [Backend: [Column]] = [:]
        for backend in Backend.mariaDBCases {
            let harness = try await ShopHarness.make(backend)
            do {
                let sql = try Self.sql(harness)
                struct Defaults: Decodable { let charset: String; let engine: String; let rows: String }
                let defaults = try await sql.raw("""
                    SELECT @@character_set_database AS charset, @@default_storage_engine AS engine,
                           @@innodb_default_row_format AS `rows`
                    """).first(decoding: Defaults.self)
                if backend == .mariadbLatin1 {
                    // The server really is set up against us: without explicit options tables would be latin1 MyISAM.
                    #expect(defaults?.charset == "latin1")
                    #expect(defaults?.engine == "MyISAM")
                    #expect(defaults?.rows == "compact")
                }
                let tables = try await Self.tables(sql)
                #expect(tables.count == 14, "\(tables)")
                for table in tables {
                    #expect(table.engine == "InnoDB" && table.rowFormat == "Dynamic", "\(backend): \(table)")
                    #expect(table.collation == "utf8mb4_unicode_ci", "\(backend): \(table)")
                }
                let columns = try await Self.textColumns(sql)
                #expect(columns.count > 20)
                for column in columns {
                    #expect(column.charset == "utf8mb4", "\(backend): \(column)")
                    // JSON is MariaDB's LONGTEXT utf8mb4_bin; all other text compares like on a utf8mb4 server.
                    let expected = column.column == "attributes" ? "utf8mb4_bin" : "utf8mb4_unicode_ci"
                    #expect(column.collation == expected, "\(backend): \(column)")
                }
                layouts[backend] = columns
            } catch {
                await harness.cleanup()
                throw error
            }
            await harness.cleanup()
        }
        #expect(layouts[.mariadb] == layouts[.mariadbLatin1], "the same schema on both servers")
    }

    @Test func aSchemaCreatedUnderLatin1DefaultsIsRefusedWithTheStatementsThatConvertIt() async throws {
        let harness = try await ShopHarness.make(.mariadbLatin1)
        do {
            let db = harness.services.db
            let sql = try Self.sql(harness)
            // What `storefront migrate` used to leave on this server: latin1 text columns.
            try await sql.raw("ALTER TABLE customers CONVERT TO CHARACTER SET latin1 COLLATE latin1_swedish_ci").run()
            try await sql.raw("ALTER TABLE reviews CONVERT TO CHARACTER SET latin1 COLLATE latin1_swedish_ci").run()
            let error = try await #require(throws: SchemaCharsetError.self) { try await db.migrate() }
            let options = "ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
            let utf8mb4 = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            #expect(error.statements == [
                "ALTER TABLE `customers` \(options), MODIFY `email` varchar(1500) \(utf8mb4) NOT NULL, "
                    + "MODIFY `name` varchar(1200) \(utf8mb4) NOT NULL, MODIFY `phone` varchar(240) \(utf8mb4) NULL, "
                    + "MODIFY `password_hash` varchar(100) \(utf8mb4) NULL, MODIFY `email_index` char(64) \(utf8mb4) NULL;",
                "ALTER TABLE `reviews` \(options), MODIFY `body` text \(utf8mb4) NOT NULL;",
            ])
            #expect(error.description.contains("ALTER TABLE `customers`"))
            for statement in error.statements { try await sql.execute(sql: SQLRaw(statement)) { _ in } }
            try await db.migrate()
            let columns = try await Self.textColumns(sql)
            #expect(columns.allSatisfy { $0.charset == "utf8mb4" }, "\(columns)")
            #expect(columns.first { $0.table == "reviews" && $0.column == "body" }?.type == "text")
            let customer = try await Customer.create(email: "yamada@example.com", name: "山田 太郎 🍮", phone: nil,
                                                     passwordHash: nil, pii: .plain, on: db.database())
            #expect(try await Customer.find(customer.id, on: db.database())?.name(.plain) == "山田 太郎 🍮")
        } catch {
            await harness.cleanup()
            throw error
        }
        await harness.cleanup()
    }
}
