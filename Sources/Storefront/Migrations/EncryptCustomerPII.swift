import FluentKit
import SQLKit

/// Room for sealed personal data: a blind index on customers' emails (unique; it takes over from the unique
/// index on the email itself, which a sealed value cannot carry), filled for the rows already there, and on
/// MariaDB columns wide enough for the sealed form of their longest value (`pii1:V:` and the base64 of nonce,
/// UTF-8 text and tag). SQLite does not enforce declared lengths, so its columns stay as they are.
struct EncryptCustomerPII: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await database.schema("customers").field("email_index", .custom("CHAR(64)")).update()
        struct Row: Decodable {
            let id: Int
            let email: String
        }
        let rows = try await sql.select().columns("id", "email").from("customers").all(decoding: Row.self)
        for row in rows {
            let index = PIICodec.plain.emailIndex(Customer.normalizedEmail(row.email))
            try await sql.update("customers").set("email_index", to: index).where("id", .equal, row.id).run()
        }
        try await dropIndex(sql, "ux_customers_email", on: "customers")
        try await createIndex(database, "ux_customers_email_index", on: "customers", "email_index", unique: true)
        if sql.dialect.name == "mysql" {
            try await sql.raw(
                """
                ALTER TABLE customers MODIFY email VARCHAR(1500) NOT NULL, MODIFY name VARCHAR(1200) NOT NULL,
                  MODIFY phone VARCHAR(240) NULL
                """
            ).run()
            try await sql.raw(
                """
                ALTER TABLE addresses MODIFY line1 VARCHAR(1200) NOT NULL, MODIFY line2 VARCHAR(1200) NULL,
                  MODIFY city VARCHAR(640) NOT NULL, MODIFY postal_code VARCHAR(160) NOT NULL
                """
            ).run()
        }
    }

    /// Back to plain columns; refused by the database while sealed values are longer than the old widths.
    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "mysql" {
            try await sql.raw(
                """
                ALTER TABLE addresses MODIFY line1 VARCHAR(200) NOT NULL, MODIFY line2 VARCHAR(200) NULL,
                  MODIFY city VARCHAR(100) NOT NULL, MODIFY postal_code VARCHAR(20) NOT NULL
                """
            ).run()
            try await sql.raw(
                """
                ALTER TABLE customers MODIFY email VARCHAR(254) NOT NULL, MODIFY name VARCHAR(200) NOT NULL,
                  MODIFY phone VARCHAR(32) NULL
                """
            ).run()
        }
        try await dropIndex(sql, "ux_customers_email_index", on: "customers")
        try await createIndex(database, "ux_customers_email", on: "customers", "email", unique: true)
        try await database.schema("customers").deleteField("email_index").update()
    }
}
