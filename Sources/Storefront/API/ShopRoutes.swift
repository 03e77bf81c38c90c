import FluentKit
import Foundation
import Hummingbird

/// Customers, carts, checkout and order history. Everything but sign-up needs a signed-in customer, who sees
/// and changes only their own profile, addresses, carts and orders: anyone else's answer `404`, as if they did
/// not exist, so ids cannot be probed.
struct ShopRoutes {
    let app: StorefrontServices

    func register(on router: Router<ShopRequestContext>) {
        router.post("/customers") { request, context in
            try app.auth.admitSignUp(request, context)
            let body = try await request.decodeStrict(NewCustomer.self, context: context)
            // Validated in the form it is stored in (lower case can be longer: "İ" becomes "i̇").
            let email = try Validate.email(Customer.normalizedEmail(body.email))
            let name = try Validate.text(body.name, "name", max: 200)
            let phone = try body.phone.map { try Validate.text($0, "phone", min: 3, max: 32) }
            try PasswordPolicy.check(body.password, email: email, name: name)
            let db = app.database(context)
            if try await Customer.find(email: email, pii: app.pii, on: db) != nil {
                throw APIError(.conflict, code: "email_taken", "a customer with this email exists", field: "email")
            }
            let hash = try await app.auth.hasher.hash(body.password)
            let customer = try await Customer.create(
                email: email, name: name, phone: phone, passwordHash: hash,
                pii: app.pii, on: db)
            app.auth.recordSignUp(try customer.requireID(), request, context)
            return EditedResponse(status: .created, response: try CustomerDTO(customer, app.pii))
        }
        router.get("/customers/me") { request, context in
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            return try CustomerDTO(try await Self.own(me, me, on: db), app.pii)
        }
        router.get("/customers/{id}") { request, context in
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            return try CustomerDTO(
                try await Self.own(try context.parameters.require("id", as: Int.self), me, on: db),
                app.pii)
        }
        router.get("/customers/{id}/addresses") { request, context in
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            let id = try await Self.own(try context.parameters.require("id", as: Int.self), me, on: db).requireID()
            let addresses = try await Address.query(on: db).filter(\.$customer.$id == id).sort(\.$id).all()
            return try addresses.map { try AddressDTO($0, app.pii) }
        }
        router.post("/customers/{id}/addresses") { request, context in
            let body = try await request.decodeStrict(NewAddress.self, context: context)
            let line1 = try Validate.text(body.line1, "line1", max: 200)
            let line2 = try body.line2.map { try Validate.text($0, "line2", min: 0, max: 200) }
            let city = try Validate.text(body.city, "city", max: 100)
            let postalCode = try Validate.text(body.postal_code, "postal_code", max: 20)
            let country = try Validate.text(body.country, "country", min: 2, max: 2).uppercased()
            guard country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw APIError.invalid("country", "field 'country' must be an ISO 3166 alpha-2 code")
            }
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            let owner = try await Self.own(try context.parameters.require("id", as: Int.self), me, on: db).requireID()
            let address = try await Address.create(
                customerID: owner, line1: line1, line2: line2, city: city, postalCode: postalCode, country: country,
                pii: app.pii, on: db)
            return EditedResponse(status: .created, response: try AddressDTO(address, app.pii))
        }
        router.get("/customers/{id}/orders") { request, context in
            let (page, per) = try pageParameters(request)
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            let id = try await Self.own(try context.parameters.require("id", as: Int.self), me, on: db).requireID()
            let result = try await Order.query(on: db).filter(\.$customer.$id == id).sort(\.$createdAt, .descending)
                .sort(\.$id, .descending).with(\.$lines).with(\.$history).with(\.$payments)
                .paginate(PageRequest(page: page, per: per))
            return PageDTO(items: result.items.map(Self.orderDTO), page: page, per: per, total: result.metadata.total)
        }
        router.get("/orders/{id}") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            guard let order = try await Self.loadOrder(id, on: db), order.$customer.id == me else {
                throw APIError.notFound("order \(id)")
            }
            return Self.orderDTO(order)
        }
        registerCarts(on: router)
    }

    private func registerCarts(on router: Router<ShopRequestContext>) {
        router.post("/carts") { request, context in
            let body = try await request.decodeStrict(NewCart.self, context: context, emptyMeansDefaults: true)
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            try Self.mustBeCaller(body.customer_id, me)
            let cart = Cart(customerID: me)
            try await cart.create(on: db)
            return EditedResponse(status: .created, response: try await Self.cartDTO(cart.requireID(), on: db))
        }
        router.get("/carts/{id}") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            _ = try await Self.ownCart(id, me, on: db)
            return try await Self.cartDTO(id, on: db)
        }
        router.put("/carts/{id}/items") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let body = try await request.decodeStrict(CartItemChange.self, context: context)
            let quantity = try Validate.range(body.quantity, "quantity", 0...1000)
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            try await TransactionRetry.run(on: db, label: "cart_item") { tx in
                let cart = try await Self.ownCart(id, me, on: tx)
                guard cart.status == "open" else {
                    throw APIError(.conflict, code: "cart_closed", "cart \(id) is already checked out")
                }
                guard let product = try await Product.find(body.product_id, on: tx), product.active else {
                    throw APIError.notFound("product \(body.product_id)")
                }
                let existing = try await CartItem.query(on: tx).filter(\.$cart.$id == id)
                    .filter(\.$product.$id == body.product_id).first()
                switch (existing, quantity) {
                case (let item?, 0): try await item.delete(on: tx)
                case (let item?, _):
                    item.quantity = quantity
                    try await item.update(on: tx)
                case (nil, 0): break
                case (nil, _):
                    try await CartItem(cartID: id, productID: try product.requireID(), quantity: quantity).create(
                        on: tx)
                }
            }
            return try await Self.cartDTO(id, on: db)
        }
        router.post("/carts/{id}/checkout") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let body = try await request.decodeStrict(CheckoutRequest.self, context: context)
            let method = try Validate.text(body.payment_method, "payment_method", max: 32)
            guard ["card", "invoice", "paypal"].contains(method) else {
                throw APIError.invalid("payment_method", "field 'payment_method' must be one of card, invoice, paypal")
            }
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            try Self.mustBeCaller(body.customer_id, me)
            _ = try await Self.ownCart(id, me, on: db)
            let orderID = try await app.checkout.checkout(cartID: id, customerID: me, paymentMethod: method, on: db)
            app.invalidateProducts()
            guard let order = try await Self.loadOrder(orderID, on: db) else {
                throw APIError.notFound("order \(orderID)")
            }
            return EditedResponse(status: .created, response: Self.orderDTO(order))
        }
    }

    /// The customer `id` if it is the caller `me`; anyone else is "not found".
    static func own(_ id: Int, _ me: Int, on db: any Database) async throws -> Customer {
        guard id == me, let customer = try await Customer.find(id, on: db) else {
            throw APIError.notFound("customer \(id)")
        }
        return customer
    }

    /// The cart `id` if the caller owns it; carts of others (and carts without an owner) are "not found".
    static func ownCart(_ id: Int, _ me: Int, on db: any Database) async throws -> Cart {
        guard let cart = try await Cart.find(id, on: db), cart.$customer.id == me else {
            throw APIError.notFound("cart \(id)")
        }
        return cart
    }

    /// A `customer_id` in a body may only name the caller.
    static func mustBeCaller(_ given: Int?, _ me: Int) throws {
        if let given, given != me { throw APIError.notFound("customer \(given)") }
    }

    static func loadOrder(_ id: Int, on db: any Database) async throws -> Order? {
        try await Order.query(on: db).filter(\.$id == id).with(\.$lines).with(\.$history).with(\.$payments).first()
    }

    static func orderDTO(_ order: Order) -> OrderDTO {
        OrderDTO(
            id: order.id ?? 0, customer_id: order.$customer.id, status: order.status,
            total: formatMoney(order.totalCents), created_at: iso(order.createdAt),
            lines: order.lines.sorted { ($0.id ?? 0) < ($1.id ?? 0) }.map {
                .init(product_id: $0.$product.id, quantity: $0.quantity, unit_price: formatMoney($0.unitPriceCents))
            },
            history: order.history.sorted { ($0.id ?? 0) < ($1.id ?? 0) }.map {
                .init(from: $0.fromStatus, to: $0.toStatus, at: iso($0.changedAt))
            },
            payments: order.payments.map {
                .init(
                    amount: formatMoney($0.amountCents), method: $0.method, status: $0.status, reference: $0.reference)
            })
    }

    static func cartDTO(_ id: Int, on db: any Database) async throws -> CartDTO {
        guard let cart = try await Cart.find(id, on: db) else { throw APIError.notFound("cart \(id)") }
        let items = try await CartItem.query(on: db).filter(\.$cart.$id == id).sort(\.$product.$id).all()
        return CartDTO(
            id: id, customer_id: cart.$customer.id, status: cart.status,
            items: items.map { .init(product_id: $0.$product.id, quantity: $0.quantity) })
    }
}
