import FluentKit
import Foundation
import HTTPTypes
import Hummingbird

/// Catalog and order administration, behind `X-API-Key` (`ADMIN_API_KEY`).
struct AdminRoutes {
    let app: StorefrontServices
    static let orderTransitions: [String: Set<String>] = [
        "pending": ["paid", "cancelled"], "paid": ["shipped", "cancelled"], "shipped": ["delivered"], "delivered": [],
        "cancelled": [],
    ]

    func register(on router: Router<ShopRequestContext>) {
        let admin = router.group("admin").add(middleware: app.adminMiddleware(.catalog))
        let orders = router.group("admin/orders").add(middleware: app.adminMiddleware(.orders))
        let customers = router.group("admin/customers")
            .add(middleware: app.adminMiddleware(.customers))
        customers.get("{id}") { _, context in
            let id = try context.parameters.require("id", as: Int.self)
            guard let customer = try await Customer.find(id, on: app.database(context)) else {
                throw APIError.notFound("customer \(id)")
            }
            return try CustomerDTO(customer, app.pii)
        }
        admin.post("/categories") { request, context in
            let body = try await request.decodeStrict(NewCategory.self, context: context)
            let category = Category(
                parentID: body.parent_id, name: try Validate.text(body.name, "name", max: 100),
                slug: try slug(body.slug))
            let db = app.database(context)
            if let parent = body.parent_id, try await Category.find(parent, on: db) == nil {
                throw APIError.notFound("category \(parent)")
            }
            if try await Category.query(on: db).filter(\.$slug == category.slug).first() != nil {
                throw APIError(.conflict, code: "slug_taken", "slug '\(category.slug)' exists", field: "slug")
            }
            try await category.create(on: db)
            app.cache.invalidate(CatalogCache.categoryTreeKey)
            return EditedResponse(
                status: .created,
                response: CategoryDTO(
                    id: try category.requireID(), name: category.name, slug: category.slug, parent_id: body.parent_id))
        }
        admin.post("/products") { request, context in
            let body = try await request.decodeStrict(NewProduct.self, context: context)
            // Upper-cased: SKUs compare case-insensitively on MariaDB, so SQLite must not hold "a-1" and "A-1".
            // Checked after upper-casing, which can lengthen text ("ß" becomes "SS").
            let sku = try Validate.text(body.sku.uppercased(), "sku", max: 64)
            let attributes = body.attributes ?? [:]
            let fits = attributes.allSatisfy {
                $0.key.unicodeScalars.count <= 64 && $0.value.unicodeScalars.count <= 256
            }
            guard attributes.count <= 50, fits else {
                throw APIError.invalid(
                    "attributes", "field 'attributes' allows 50 entries, keys ≤ 64 and values ≤ 256 characters")
            }
            let product = Product(
                sku: sku, title: try Validate.text(body.title, "title", max: 200),
                description: try Validate.text(body.description, "description", min: 0, max: 20_000),
                priceCents: try Validate.money(body.price, "price"),
                stock: try Validate.range(body.stock, "stock", 0...1_000_000_000),
                attributes: attributes, active: body.active ?? true, categoryID: body.category_id)
            let db = app.database(context)
            if let category = body.category_id, try await Category.find(category, on: db) == nil {
                throw APIError.notFound("category \(category)")
            }
            if try await Product.query(on: db).filter(\.$sku == sku).first() != nil {
                throw APIError(.conflict, code: "sku_taken", "sku '\(sku)' exists", field: "sku")
            }
            try await product.create(on: db)
            if product.stock > 0 {
                try await InventoryMovement(
                    productID: try product.requireID(), delta: product.stock, reason: "restock", orderID: nil,
                    at: Date()
                ).create(on: db)
            }
            return EditedResponse(status: .created, response: ProductDTO(product))
        }
        admin.patch("/products/{id}") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let body = try await request.decodeStrict(ProductChange.self, context: context)
            let db = app.database(context)
            guard let product = try await Product.find(id, on: db) else { throw APIError.notFound("product \(id)") }
            if let title = body.title { product.title = try Validate.text(title, "title", max: 200) }
            if let description = body.description {
                product.description = try Validate.text(description, "description", min: 0, max: 20_000)
            }
            if let price = body.price { product.priceCents = try Validate.money(price, "price") }
            if let active = body.active { product.active = active }
            if let category = body.category_id {
                guard try await Category.find(category, on: db) != nil else {
                    throw APIError.notFound("category \(category)")
                }
                product.$category.id = category
            }
            try await product.update(on: db)
            app.cache.invalidate(CatalogCache.productKey(id))
            return ProductDTO(product)
        }
        admin.post("/products/{id}/inventory") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let body = try await request.decodeStrict(InventoryChange.self, context: context)
            let delta = try Validate.range(body.delta, "delta", -1_000_000...1_000_000)
            guard delta != 0 else { throw APIError.invalid("delta", "field 'delta' must not be 0") }
            guard ["restock", "adjustment"].contains(body.reason) else {
                throw APIError.invalid("reason", "field 'reason' must be restock or adjustment")
            }
            let result = try await TransactionRetry.run(on: app.database(context), label: "inventory") {
                tx -> InventoryDTO in
                let locked = try await CheckoutService.lockProducts([id], on: tx)
                guard let current = locked[id] else { throw APIError.notFound("product \(id)") }
                guard current.stock + delta >= 0 else {
                    throw APIError(
                        .conflict, code: "insufficient_stock",
                        "stock would become negative (\(current.stock) + \(delta))", field: "delta")
                }
                try await Product.query(on: tx).filter(\.$id == id).set(\.$stock, to: current.stock + delta).update()
                let movement = InventoryMovement(
                    productID: id, delta: delta, reason: body.reason, orderID: nil, at: Date())
                try await movement.create(on: tx)
                return InventoryDTO(product_id: id, stock: current.stock + delta, movement_id: try movement.requireID())
            }
            app.cache.invalidate(CatalogCache.productKey(id))
            return result
        }
        orders.post("{id}/status") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let body = try await request.decodeStrict(StatusChange.self, context: context)
            let db = app.database(context)
            try await TransactionRetry.run(on: db, label: "order_status") { tx in
                guard let order = try await Order.find(id, on: tx) else { throw APIError.notFound("order \(id)") }
                guard Self.orderTransitions[order.status]?.contains(body.status) == true else {
                    throw APIError(
                        .conflict, code: "invalid_transition",
                        "order \(id) cannot go from \(order.status) to \(body.status)", field: "status")
                }
                try await OrderStatusChange(orderID: id, from: order.status, to: body.status, at: Date()).create(on: tx)
                order.status = body.status
                try await order.update(on: tx)
            }
            guard let order = try await ShopRoutes.loadOrder(id, on: db) else { throw APIError.notFound("order \(id)") }
            return ShopRoutes.orderDTO(order)
        }
    }

    func slug(_ value: String) throws -> String {
        let slug = try Validate.text(value, "slug", max: 100)
        guard slug.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }) else {
            throw APIError.invalid("slug", "field 'slug' may contain a-z, 0-9 and '-' only")
        }
        return slug
    }
}
