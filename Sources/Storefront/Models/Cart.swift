import FluentKit
import Foundation

public final class Cart: Model, @unchecked Sendable {
    public static let schema = "carts"
    @ID(custom: .id) public var id: Int?
    @OptionalParent(key: "customer_id") public var customer: Customer?
    /// open | checked_out
    @Field(key: "status") public var status: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Children(for: \.$cart) public var items: [CartItem]

    public init() {}
    public init(customerID: Int?) {
        self.$customer.id = customerID
        self.status = "open"
    }
}

public final class CartItem: Model, @unchecked Sendable {
    public static let schema = "cart_items"
    @ID(custom: .id) public var id: Int?
    @Parent(key: "cart_id") public var cart: Cart
    @Parent(key: "product_id") public var product: Product
    @Field(key: "quantity") public var quantity: Int

    public init() {}
    public init(cartID: Int, productID: Int, quantity: Int) {
        self.$cart.id = cartID
        self.$product.id = productID
        self.quantity = quantity
    }
}
