import FluentKit
import MariaDB
import Foundation
import SQLKit

/// Turns an open cart into a paid order in one transaction: lock the products' rows (in id order, so
/// concurrent checkouts queue instead of deadlocking where they can), check and decrement stock, write
/// the order, its lines, status history, payment and inventory movements, close the cart. Deadlocks and
/// lock timeouts retry the whole transaction.
public struct CheckoutService: Sendable {
    public let cache: CatalogCache

    public init(cache: CatalogCache) { self.cache = cache }

    public func checkout(cartID: Int, customerID: Int, paymentMethod: String, on database: any Database) async throws -> Int {
        // READ COMMITTED: the stock rows are locked explicitly; no gap locks on the order tables.
        let orderID = try await TransactionRetry.run(on: database, isolation: .readCommitted, label: "checkout") { tx in
            guard let cart = try await Cart.find(cartID, on: tx) else { throw APIError.notFound("cart \(cartID)") }
            guard cart.status == "open" else { throw APIError(.conflict, code: "cart_closed", "cart \(cartID) is already checked out") }
            if let owner = cart.$customer.id, owner != customerID {
                throw APIError(.conflict, code: "cart_owner", "cart \(cartID) belongs to another customer")
            }
            guard try await Customer.find(customerID, on: tx) != nil else { throw APIError.notFound("customer \(customerID)") }
            let items = try await CartItem.query(on: tx).filter(\.$cart.$id == cartID).sort(\.$product.$id).all()
            guard !items.isEmpty else { throw APIError(.conflict, code: "cart_empty", "cart \(cartID) has no items") }

            let ids = items.map { $0.$product.id }
            let products = try await Self.lockProducts(ids, on: tx)
            var total: Int64 = 0
            for item in items {
                guard let product = products[item.$product.id], product.active else {
                    throw APIError(.conflict, code: "product_unavailable", "product \(item.$product.id) is not available", field: "product_id")
                }
                guard product.stock >= item.quantity else {
                    throw APIError(.conflict, code: "insufficient_stock", "product \(item.$product.id) has \(product.stock) in stock, \(item.quantity) requested", field: "product_id")
                }
                let (line, lineOverflow) = product.priceCents.multipliedReportingOverflow(by: Int64(item.quantity))
                let (sum, sumOverflow) = total.addingReportingOverflow(line)
                guard !lineOverflow, !sumOverflow, sum <= Validate.maximumCents else {
                    throw APIError(.conflict, code: "total_too_large",
                                   "the order total would exceed \(formatMoney(Validate.maximumCents))")
                }
                total = sum
            }
            let now = Date()
            let order = Order(customerID: customerID, status: "paid", totalCents: total)
            try await order.create(on: tx)
            let orderID = try order.requireID()
            for item in items {
                let product = products[item.$product.id]!
                try await Product.query(on: tx).filter(\.$id == item.$product.id)
                    .set(\.$stock, to: product.stock - item.quantity).update()
                try await OrderLine(orderID: orderID, productID: item.$product.id, quantity: item.quantity, unitPriceCents: product.priceCents).create(on: tx)
                try await InventoryMovement(productID: item.$product.id, delta: -item.quantity, reason: "sale", orderID: orderID, at: now).create(on: tx)
            }
            try await OrderStatusChange(orderID: orderID, from: nil, to: "pending", at: now).create(on: tx)
            try await OrderStatusChange(orderID: orderID, from: "pending", to: "paid", at: now).create(on: tx)
            try await Payment(orderID: orderID, amountCents: total, method: paymentMethod, status: "captured", reference: UUID().uuidString).create(on: tx)
            cart.status = "checked_out"
            try await cart.update(on: tx)
            return orderID
        }
        return orderID
    }

    /// `SELECT … FOR UPDATE` on MariaDB (SQLite serializes writers itself and has no row locks).
    static func lockProducts(_ ids: [Int], on database: any Database) async throws -> [Int: (stock: Int, priceCents: Int64, active: Bool)] {
        guard let sql = database as? any SQLDatabase else { throw APIError(.internalServerError, code: "internal", "database is not SQL") }
        struct Row: Decodable { let id: Int; let stock: Int; let price_cents: Int64; let active: Bool }
        let rows = try await sql.select().columns("id", "stock", "price_cents", "active").from("products")
            .where("id", .in, ids).orderBy("id").lockingClause(SQLLockingClause.update)
            .all(decoding: Row.self)
        var result: [Int: (stock: Int, priceCents: Int64, active: Bool)] = [:]
        for row in rows { result[row.id] = (row.stock, row.price_cents, row.active) }
        return result
    }
}
