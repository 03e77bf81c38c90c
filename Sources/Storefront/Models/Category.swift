import FluentKit
import Foundation

/// A node of the category tree (`parent_id` NULL for roots).
public final class Category: Model, @unchecked Sendable {
    public static let schema = "categories"
    @ID(custom: .id) public var id: Int?
    @OptionalParent(key: "parent_id") public var parent: Category?
    @Field(key: "name") public var name: String
    @Field(key: "slug") public var slug: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
    public init(id: Int? = nil, parentID: Int?, name: String, slug: String) {
        self.id = id
        self.$parent.id = parentID
        self.name = name
        self.slug = slug
    }
}
