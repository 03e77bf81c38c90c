import FluentKit
import Hummingbird

struct CatalogRoutes {
    let app: StorefrontServices

    func register(on router: Router<ShopRequestContext>) {
        router.get("/categories") { _, context in try await app.categoryTree(context) }
        router.get("/products") { request, context in try await listProducts(request, context) }
        router.get("/products/{id}") { _, context in
            let id = try context.parameters.require("id", as: Int.self)
            guard let product = try await app.product(id, context), product.active else {
                throw APIError.notFound("product \(id)")
            }
            return product
        }
        router.get("/products/{id}/reviews") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let (page, per) = try pageParameters(request)
            let db = app.database(context)
            guard try await Product.find(id, on: db) != nil else { throw APIError.notFound("product \(id)") }
            let result = try await Review.query(on: db).filter(\.$product.$id == id).sort(\.$createdAt, .descending)
                .sort(\.$id, .descending)
                .paginate(PageRequest(page: page, per: per))
            return PageDTO(items: result.items.map(ReviewDTO.init), page: page, per: per, total: result.metadata.total)
        }
        router.post("/products/{id}/reviews") { request, context in
            let id = try context.parameters.require("id", as: Int.self)
            let body = try await request.decodeStrict(NewReview.self, context: context)
            let rating = try Validate.range(body.rating, "rating", 1...5)
            let text = try Validate.text(body.body, "body", min: 1, max: 5000)
            let db = app.database(context)
            let me = try await app.auth.customerID(request, context, on: db)
            try ShopRoutes.mustBeCaller(body.customer_id, me)
            guard try await Product.find(id, on: db) != nil else { throw APIError.notFound("product \(id)") }
            let review = Review(productID: id, customerID: me, rating: rating, body: text)
            try await review.create(on: db)
            return EditedResponse(status: .created, response: ReviewDTO(review))
        }
    }

    func listProducts(_ request: Request, _ context: ShopRequestContext) async throws -> PageDTO<ProductDTO> {
        let (page, per) = try pageParameters(request)
        let db = app.database(context)
        var query = Product.query(on: db).filter(\.$active == true)
        if let category = request.uri.queryParameters.get("category") {
            guard let id = Int(category) else {
                throw APIError.invalid("category", "query parameter 'category' must be an integer")
            }
            query = query.filter(\.$category.$id == id)
        }
        if let q = request.uri.queryParameters.get("q"), !q.isEmpty {
            let term = try Validate.text(q, "q", min: 1, max: 100)
            // MariaDB's LIKE takes `\` as its escape character (even under NO_BACKSLASH_ESCAPES); doubled, a
            // backslash matches itself, as it does on SQLite.
            let pattern = app.db.kind == .mariadb ? term.replacingOccurrences(of: "\\", with: "\\\\") : term
            query = query.group(.or) { $0.filter(\.$title ~~ pattern).filter(\.$sku == term) }
        }
        if let min = request.uri.queryParameters.get("min_price") {
            query = query.filter(\.$priceCents >= (try Validate.money(min, "min_price")))
        }
        if let max = request.uri.queryParameters.get("max_price") {
            query = query.filter(\.$priceCents <= (try Validate.money(max, "max_price")))
        }
        switch request.uri.queryParameters.get("sort") ?? "id" {
        case "id": query = query.sort(\.$id)
        case "price": query = query.sort(\.$priceCents).sort(\.$id)
        case "-price": query = query.sort(\.$priceCents, .descending).sort(\.$id)
        case "title": query = query.sort(\.$title).sort(\.$id)
        case "-title": query = query.sort(\.$title, .descending).sort(\.$id)
        case "created": query = query.sort(\.$createdAt).sort(\.$id)
        case "-created": query = query.sort(\.$createdAt, .descending).sort(\.$id)
        case let other:
            throw APIError.invalid(
                "sort", "sort '\(other)' is not one of id, price, -price, title, -title, created, -created")
        }
        let result = try await query.paginate(PageRequest(page: page, per: per))
        return PageDTO(items: result.items.map(ProductDTO.init), page: page, per: per, total: result.metadata.total)
    }
}

func pageParameters(_ request: Request) throws -> (Int, Int) {
    func int(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.invalid(
                name, "query parameter '\(name)' must be an integer between \(range.lowerBound) and \(range.upperBound)"
            )
        }
        return value
    }
    return (try int("page", 1, 1...1_000_000), try int("per", 20, 1...100))
}
