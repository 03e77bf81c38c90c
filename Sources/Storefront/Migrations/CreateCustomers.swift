import FluentKit

struct CreateCustomers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("customers")
            .field(.id, .int, .identifier(auto: true))
            .field("email", varchar(254), .required)
            .field("name", varchar(200), .required)
            .field("phone", varchar(32))
            .field("created_at", .datetime)
            .create()
        try await createIndex(database, "ux_customers_email", on: "customers", "email", unique: true)

        try await database.schema("addresses")
            .field(.id, .int, .identifier(auto: true))
            .field("customer_id", .int, .required)
            .field("line1", varchar(200), .required)
            .field("line2", varchar(200))
            .field("city", varchar(100), .required)
            .field("postal_code", varchar(20), .required)
            .field("country", .custom("CHAR(2)"), .required)
            .foreignKey("customer_id", references: "customers", .id, onDelete: .cascade, onUpdate: .noAction, name: "fk_addresses_customer")
            .create()
        try await createIndex(database, "ix_addresses_customer", on: "addresses", "customer_id")
    }

    func revert(on database: any Database) async throws {
        try await dropTables(database, "addresses", "customers")
    }
}
