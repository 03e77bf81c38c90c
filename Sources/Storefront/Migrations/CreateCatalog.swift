import FluentKit

struct CreateCatalog: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("categories")
            .field(.id, .int, .identifier(auto: true))
            .field("parent_id", .int)
            .field("name", varchar(100), .required)
            .field("slug", varchar(100), .required)
            .field("created_at", .datetime)
            .foreignKey("parent_id", references: "categories", .id, onDelete: .restrict, onUpdate: .noAction, name: "fk_categories_parent")
            .create()
        try await createIndex(database, "ux_categories_slug", on: "categories", "slug", unique: true)
        try await createIndex(database, "ix_categories_parent", on: "categories", "parent_id")

        try await database.schema("products")
            .field(.id, .int, .identifier(auto: true))
            .field("sku", varchar(64), .required)
            .field("title", varchar(200), .required)
            // MEDIUMTEXT: 20,000 characters of 4-byte UTF-8 exceed TEXT's 65,535 bytes on MariaDB.
            .field("description", .custom("MEDIUMTEXT"), .required)
            .field("price_cents", .int64, .required)
            .field("stock", .int, .required)
            .field("attributes", .dictionary(of: .string), .required)
            .field("active", .bool, .required)
            .field("category_id", .int)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .foreignKey("category_id", references: "categories", .id, onDelete: .setNull, onUpdate: .noAction, name: "fk_products_category")
            .create()
        try await createIndex(database, "ux_products_sku", on: "products", "sku", unique: true)
        try await createIndex(database, "ix_products_category", on: "products", "category_id")
        try await createIndex(database, "ix_products_active_price", on: "products", "active", "price_cents")
        try await createIndex(database, "ix_products_title", on: "products", "title")
        try await createIndex(database, "ix_products_created", on: "products", "created_at")
    }

    func revert(on database: any Database) async throws {
        try await dropTables(database, "products", "categories")
    }
}
