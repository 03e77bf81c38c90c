import FluentKit

struct CreateReviewsAndInventory: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("reviews")
            .field(.id, .int, .identifier(auto: true))
            .field("product_id", .int, .required)
            .field("customer_id", .int, .required)
            .field("rating", .int, .required)
            .field("body", .custom("TEXT"), .required)
            .field("created_at", .datetime)
            .foreignKey(
                "product_id", references: "products", .id, onDelete: .cascade, onUpdate: .noAction,
                name: "fk_reviews_product"
            )
            .foreignKey(
                "customer_id", references: "customers", .id, onDelete: .cascade, onUpdate: .noAction,
                name: "fk_reviews_customer"
            )
            .create()
        try await createIndex(database, "ix_reviews_product_created", on: "reviews", "product_id", "created_at")
        try await createIndex(database, "ix_reviews_customer", on: "reviews", "customer_id")

        try await database.schema("inventory_movements")
            .field(.id, .int, .identifier(auto: true))
            .field("product_id", .int, .required)
            .field("delta", .int, .required)
            .field("reason", varchar(16), .required)
            .field("order_id", .int)
            .field("created_at", .datetime, .required)
            .foreignKey(
                "product_id", references: "products", .id, onDelete: .cascade, onUpdate: .noAction,
                name: "fk_inventory_movements_product"
            )
            .foreignKey(
                "order_id", references: "orders", .id, onDelete: .setNull, onUpdate: .noAction,
                name: "fk_inventory_movements_order"
            )
            .create()
        try await createIndex(
            database, "ix_inventory_movements_product", on: "inventory_movements", "product_id", "created_at")
        try await createIndex(database, "ix_inventory_movements_order", on: "inventory_movements", "order_id")
    }

    func revert(on database: any Database) async throws {
        try await dropTables(database, "inventory_movements", "reviews")
    }
}

/// The platform's migrations, in order.
public enum StorefrontMigrations {
    public static var all: [any Migration] {
        [
            CreateCatalog(), CreateCustomers(), CreateCarts(), CreateOrders(), CreateReviewsAndInventory(),
            AddCustomerAccounts(), EncryptCustomerPII(),
        ]
    }

    /// Every table the migrations create, and Fluent's own.
    static let tables: Set<String> = [
        "_fluent_migrations", "categories", "products", "customers", "addresses", "carts", "cart_items", "orders",
        "order_lines", "order_status_changes", "payments", "reviews", "inventory_movements", "customer_sessions",
    ]
}
