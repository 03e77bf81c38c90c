import FluentKit
import Foundation

public final class Order: Model, @unchecked Sendable {
    public static let schema = "orders"
    @ID(custom: .id) public var id: Int?
    @Parent(key: "customer_id") public var customer: Customer
    /// pending | paid | shipped | delivered | cancelled
    @Field(key: "status") public var status: String
    @Field(key: "total_cents") public var totalCents: Int64
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Children(for: \.$order) public var lines: [OrderLine]
    @Children(for: \.$order) public var history: [OrderStatusChange]
    @Children(for: \.$order) public var payments: [Payment]

    public init() {}
    public init(customerID: Int, status: String, totalCents: Int64) {
        self.$customer.id = customerID
        self.status = status
        self.totalCents = totalCents
    }
}

public final class OrderLine: Model, @unchecked Sendable {
    public static let schema = "order_lines"
    @ID(custom: .id) public var id: Int?
    @Parent(key: "order_id") public var order: Order
    @Parent(key: "product_id") public var product: Product
    @Field(key: "quantity") public var quantity: Int
    @Field(key: "unit_price_cents") public var unitPriceCents: Int64

    public init() {}
    public init(orderID: Int, productID: Int, quantity: Int, unitPriceCents: Int64) {
        self.$order.id = orderID
        self.$product.id = productID
        self.quantity = quantity
        self.unitPriceCents = unitPriceCents
    }
}

public final class OrderStatusChange: Model, @unchecked Sendable {
    public static let schema = "order_status_changes"
    @ID(custom: .id) public var id: Int?
    @Parent(key: "order_id") public var order: Order
    @OptionalField(key: "from_status") public var fromStatus: String?
    @Field(key: "to_status") public var toStatus: String
    @Field(key: "changed_at") public var changedAt: Date

    public init() {}
    public init(orderID: Int, from: String?, to: String, at: Date) {
        self.$order.id = orderID
        self.fromStatus = from
        self.toStatus = to
        self.changedAt = at
    }
}

public final class Payment: Model, @unchecked Sendable {
    public static let schema = "payments"
    @ID(custom: .id) public var id: Int?
    @Parent(key: "order_id") public var order: Order
    @Field(key: "amount_cents") public var amountCents: Int64
    @Field(key: "method") public var method: String
    /// authorized | captured | refunded | failed
    @Field(key: "status") public var status: String
    @Field(key: "reference") public var reference: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
    public init(orderID: Int, amountCents: Int64, method: String, status: String, reference: String) {
        self.$order.id = orderID
        self.amountCents = amountCents
        self.method = method
        self.status = status
        self.reference = reference
    }
}
