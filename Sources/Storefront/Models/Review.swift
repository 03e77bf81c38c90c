import FluentKit
import Foundation

public final class Review: Model, @unchecked Sendable {
    public static let schema = "reviews"
    @ID(custom: .id) public var id: Int?
    @Parent(key: "product_id") public var product: Product
    @Parent(key: "customer_id") public var customer: Customer
    @Field(key: "rating") public var rating: Int
    @Field(key: "body") public var body: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
    public init(productID: Int, customerID: Int, rating: Int, body: String) {
        self.$product.id = productID
        self.$customer.id = customerID
        self.rating = rating
        self.body = body
    }
}

/// Every stock change with its reason, so stock can be audited and rebuilt.
public final class InventoryMovement: Model, @unchecked Sendable {
    public static let schema = "inventory_movements"
    @ID(custom: .id) public var id: Int?
    @Parent(key: "product_id") public var product: Product
    @Field(key: "delta") public var delta: Int
    /// sale | restock | adjustment
    @Field(key: "reason") public var reason: String
    @OptionalParent(key: "order_id") public var order: Order?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
    public init(productID: Int, delta: Int, reason: String, orderID: Int?, at: Date) {
        self.$product.id = productID
        self.delta = delta
        self.reason = reason
        self.$order.id = orderID
        self.createdAt = at
    }
}
