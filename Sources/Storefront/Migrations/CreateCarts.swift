import FluentKit

struct CreateCarts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("carts")
            .field(.id, .int, .identifier(auto: true))
            .field("customer_id", .int)
            .field("status", varchar(16), .required)
            .field("created_at", .datetime)
            .foreignKey("customer_id", references: "customers", .id, onDelete: .cascade, onUpdate: .noAction, name: "fk_carts_customer")
            .create()
        try await createIndex(database, "ix_carts_customer", on: "carts", "customer_id")

        try await database.schema("cart_items")
            .field(.id, .int, .identifier(auto: true))
            .field("cart_id", .int, .required)
            .field("product_id", .int, .required)
            .field("quantity", .int, .required)
            .foreignKey("cart_id", references: "carts", .id, onDelete: .cascade, onUpdate: .noAction, name: "fk_cart_items_cart")
            .foreignKey("product_id", references: "products", .id, onDelete: .cascade, onUpdate: .noAction, name: "fk_cart_items_product")
            .create()
        try await createIndex(database, "ux_cart_items_cart_product", on: "cart_items", "cart_id", "product_id", unique: true)
        try await createIndex(database, "ix_cart_items_product", on: "cart_items", "product_id")
    }

    func revert(on database: any Database) async throws {
        try await dropTables(database, "cart_items", "carts")
    }
}
