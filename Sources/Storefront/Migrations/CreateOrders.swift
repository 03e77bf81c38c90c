import FluentKit

struct CreateOrders: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("orders")
            .field(.id, .int, .identifier(auto: true))
            .field("customer_id", .int, .required)
            .field("status", varchar(16), .required)
            .field("total_cents", .int64, .required)
            .field("created_at", .datetime)
            // Orders are business records: a customer with orders cannot be deleted by accident.
            .foreignKey("customer_id", references: "customers", .id, onDelete: .restrict, onUpdate: .noAction, name: "fk_orders_customer")
            .create()
        try await createIndex(database, "ix_orders_customer_created", on: "orders", "customer_id", "created_at")
        try await createIndex(database, "ix_orders_status", on: "orders", "status")

        try await database.schema("order_lines")
            .field(.id, .int, .identifier(auto: true))
            .field("order_id", .int, .required)
            .field("product_id", .int, .required)
            .field("quantity", .int, .required)
            .field("unit_price_cents", .int64, .required)
            .foreignKey("order_id", references: "orders", .id, onDelete: .cascade, onUpdate: .noAction, name: "fk_order_lines_order")
            .foreignKey("product_id", references: "products", .id, onDelete: .restrict, onUpdate: .noAction, name: "fk_order_lines_product")
            .create()
        try await createIndex(database, "ix_order_lines_order", on: "order_lines", "order_id")
        try await createIndex(database, "ix_order_lines_product", on: "order_lines", "product_id")

        try await database.schema("order_status_changes")
            .field(.id, .int, .identifier(auto: true))
            .field("order_id", .int, .required)
            .field("from_status", varchar(16))
            .field("to_status", varchar(16), .required)
            .field("changed_at", .datetime, .required)
            .foreignKey("order_id", references: "orders", .id, onDelete: .cascade, onUpdate: .noAction, name: "fk_order_status_changes_order")
            .create()
        try await createIndex(database, "ix_order_status_changes_order", on: "order_status_changes", "order_id")

        try await database.schema("payments")
            .field(.id, .int, .identifier(auto: true))
            .field("order_id", .int, .required)
            .field("amount_cents", .int64, .required)
            .field("method", varchar(32), .required)
            .field("status", varchar(16), .required)
            .field("reference", varchar(64), .required)
            .field("created_at", .datetime)
            .foreignKey("order_id", references: "orders", .id, onDelete: .restrict, onUpdate: .noAction, name: "fk_payments_order")
            .create()
        try await createIndex(database, "ix_payments_order", on: "payments", "order_id")
        try await createIndex(database, "ux_payments_reference", on: "payments", "reference", unique: true)
    }

    func revert(on database: any Database) async throws {
        try await dropTables(database, "payments", "order_status_changes", "order_lines", "orders")
    }
}
