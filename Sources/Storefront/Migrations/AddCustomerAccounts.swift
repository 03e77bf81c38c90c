import FluentKit

/// Customer accounts: a bcrypt password hash on each customer (empty for customers created before accounts
/// existed, who cannot sign in until a password is set) and the sessions of signed-in customers.
struct AddCustomerAccounts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("customers").field("password_hash", varchar(100)).update()
        try await database.schema("customer_sessions")
            .field(.id, .int, .identifier(auto: true))
            .field("customer_id", .int, .required)
            .field("token_hash", .custom("CHAR(64)"), .required)
            .field("created_at", .datetime)
            .field("expires_at", .datetime, .required)
            .foreignKey(
                "customer_id", references: "customers", .id, onDelete: .cascade, onUpdate: .noAction,
                name: "fk_customer_sessions_customer"
            )
            .create()
        try await createIndex(
            database, "ux_customer_sessions_token", on: "customer_sessions", "token_hash", unique: true)
        try await createIndex(database, "ix_customer_sessions_customer", on: "customer_sessions", "customer_id")
    }

    func revert(on database: any Database) async throws {
        try await dropTables(database, "customer_sessions")
        try await database.schema("customers").deleteField("password_hash").update()
    }
}
