import FluentKit
import Foundation

/// A sellable item. Money is integer minor units (cents): exact on SQLite, which has no decimal type,
/// and on MariaDB; the API shows it as a decimal string.
public final class Product: Model, @unchecked Sendable {
    public static let schema = "products"
    @ID(custom: .id) public var id: Int?
    @Field(key: "sku") public var sku: String
    @Field(key: "title") public var title: String
    @Field(key: "description") public var description: String
    @Field(key: "price_cents") public var priceCents: Int64
    @Field(key: "stock") public var stock: Int
    @Field(key: "attributes") public var attributes: [String: String]
    @Field(key: "active") public var active: Bool
    @OptionalParent(key: "category_id") public var category: Category?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}
    public init(id: Int? = nil, sku: String, title: String, description: String, priceCents: Int64, stock: Int,
                attributes: [String: String] = [:], active: Bool = true, categoryID: Int? = nil) {
        self.id = id
        self.sku = sku
        self.title = title
        self.description = description
        self.priceCents = priceCents
        self.stock = stock
        self.attributes = attributes
        self.active = active
        self.$category.id = categoryID
    }
}
