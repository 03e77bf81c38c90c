import Foundation
import Hummingbird
import MariaDB

/// RFC 3339 UTC with microseconds: `2025-01-01T00:00:37.000001Z`.
func iso(_ date: Date?) -> String? {
    guard let date else { return nil }
    let value = MariaDBDateTime(date)
    return value.dateString + "T"
        + String(format: "%02d:%02d:%02d.%06dZ", value.hour, value.minute, value.second, value.microsecond)
}

struct ProductDTO: ResponseCodable, Sendable {
    let id: Int
    let sku: String
    let title: String
    let description: String
    let price: String
    let stock: Int
    let attributes: [String: String]
    let active: Bool
    let category_id: Int?
    let created_at: String?

    init(_ p: Product) {
        id = p.id ?? 0
        sku = p.sku
        title = p.title
        description = p.description
        price = formatMoney(p.priceCents)
        stock = p.stock
        attributes = p.attributes
        active = p.active
        category_id = p.$category.id
        created_at = iso(p.createdAt)
    }
}

struct PageDTO<Item: Codable & Sendable>: ResponseCodable, Sendable {
    let items: [Item]
    let page: Int
    let per: Int
    let total: Int
}

struct CategoryNodeDTO: ResponseCodable, Sendable {
    let id: Int
    let name: String
    let slug: String
    let children: [CategoryNodeDTO]
}

struct CategoryDTO: ResponseCodable, Sendable {
    let id: Int
    let name: String
    let slug: String
    let parent_id: Int?
}

struct CustomerDTO: ResponseCodable, Sendable {
    let id: Int
    let email: String
    let name: String
    let phone: String?
    let created_at: String?
    init(_ c: Customer, _ pii: PIICodec) throws {
        id = try c.requireID()
        email = try c.email(pii)
        name = try c.name(pii)
        phone = try c.phone(pii)
        created_at = iso(c.createdAt)
    }
}

struct AddressDTO: ResponseCodable, Sendable {
    let id: Int
    let customer_id: Int
    let line1: String
    let line2: String?
    let city: String
    let postal_code: String
    let country: String
    init(_ a: Address, _ pii: PIICodec) throws {
        id = try a.requireID()
        customer_id = a.$customer.id
        line1 = try a.line1(pii)
        line2 = try a.line2(pii)
        city = try a.city(pii)
        postal_code = try a.postalCode(pii)
        country = a.country
    }
}

struct CartDTO: ResponseCodable, Sendable {
    struct Item: Codable, Sendable {
        let product_id: Int
        let quantity: Int
    }
    let id: Int
    let customer_id: Int?
    let status: String
    let items: [Item]
}

struct OrderDTO: ResponseCodable, Sendable {
    struct Line: Codable, Sendable {
        let product_id: Int
        let quantity: Int
        let unit_price: String
    }
    struct Change: Codable, Sendable {
        let from: String?
        let to: String
        let at: String?
    }
    struct PaymentLine: Codable, Sendable {
        let amount: String
        let method: String
        let status: String
        let reference: String
    }
    let id: Int
    let customer_id: Int
    let status: String
    let total: String
    let created_at: String?
    let lines: [Line]
    let history: [Change]
    let payments: [PaymentLine]
}

struct ReviewDTO: ResponseCodable, Sendable {
    let id: Int
    let product_id: Int
    let customer_id: Int
    let rating: Int
    let body: String
    let created_at: String?
    init(_ r: Review) {
        id = r.id ?? 0
        product_id = r.$product.id
        customer_id = r.$customer.id
        rating = r.rating
        body = r.body
        created_at = iso(r.createdAt)
    }
}

struct InventoryDTO: ResponseCodable, Sendable {
    let product_id: Int
    let stock: Int
    let movement_id: Int
}

// MARK: Request bodies

struct NewCustomer: StrictBody {
    let email: String
    let name: String
    let phone: String?
    let password: String
    static let fields: Set<String> = ["email", "name", "phone", "password"]
}

struct NewSession: StrictBody {
    let email: String
    let password: String
    static let fields: Set<String> = ["email", "password"]
}

struct SessionDTO: ResponseCodable, Sendable {
    let token: String
    let expires_at: String?
    let customer_id: Int
}

struct NewAddress: StrictBody {
    let line1: String
    let line2: String?
    let city: String
    let postal_code: String
    let country: String
    static let fields: Set<String> = ["line1", "line2", "city", "postal_code", "country"]
}

struct NewCart: StrictBody {
    let customer_id: Int?
    static let fields: Set<String> = ["customer_id"]
}

struct CartItemChange: StrictBody {
    let product_id: Int
    let quantity: Int
    static let fields: Set<String> = ["product_id", "quantity"]
}

struct CheckoutRequest: StrictBody {
    /// Optional: the signed-in customer; if given it must be that customer.
    let customer_id: Int?
    let payment_method: String
    static let fields: Set<String> = ["customer_id", "payment_method"]
}

struct NewReview: StrictBody {
    /// Optional: the signed-in customer; if given it must be that customer.
    let customer_id: Int?
    let rating: Int
    let body: String
    static let fields: Set<String> = ["customer_id", "rating", "body"]
}

struct NewCategory: StrictBody {
    let name: String
    let slug: String
    let parent_id: Int?
    static let fields: Set<String> = ["name", "slug", "parent_id"]
}

struct NewProduct: StrictBody {
    let sku: String
    let title: String
    let description: String
    let price: String
    let stock: Int
    let attributes: [String: String]?
    let active: Bool?
    let category_id: Int?
    static let fields: Set<String> = [
        "sku", "title", "description", "price", "stock", "attributes", "active", "category_id",
    ]
}

struct ProductChange: StrictBody {
    let title: String?
    let description: String?
    let price: String?
    let active: Bool?
    let category_id: Int?
    static let fields: Set<String> = ["title", "description", "price", "active", "category_id"]
}

struct InventoryChange: StrictBody {
    let delta: Int
    let reason: String
    static let fields: Set<String> = ["delta", "reason"]
}

struct StatusChange: StrictBody {
    let status: String
    static let fields: Set<String> = ["status"]
}
