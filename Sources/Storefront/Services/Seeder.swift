import FluentKit
import Foundation
import SQLKit

/// Deterministic sample data: the same `scale` and `seed` always produce the same rows. Non-ASCII names,
/// prices with cents, timestamps with microseconds. `scale` is the number of products; customers are
/// scale/2, orders scale, reviews scale/2, categories ~scale/50 in a two-level tree.
public struct Seeder: Sendable {
    public var scale: Int
    public var seed: UInt64 = 42
    /// Personal data is sealed as the shop would seal it.
    public var pii: PIICodec

    public init(scale: Int, pii: PIICodec = .plain) {
        self.scale = scale
        self.pii = pii
    }

    public struct Counts: Sendable, CustomStringConvertible {
        public var categories = 0, products = 0, customers = 0, addresses = 0, orders = 0, orderLines = 0, payments = 0,
            reviews = 0, movements = 0
        public var description: String {
            "categories \(categories), products \(products), customers \(customers), addresses \(addresses), orders \(orders), order lines \(orderLines), payments \(payments), reviews \(reviews), inventory movements \(movements)"
        }
    }

    static let firstNames = [
        "Zoë", "Jürgen", "Åsa", "Björn", "François", "Øyvind", "Siobhán", "José", "Małgorzata", "Ünal", "李", "Анна",
        "Νίκος", "Chloé", "Dvořák", "Renée", "Ahmed", "Sørina",
    ]
    static let lastNames = [
        "Müller", "García", "Ødegård", "Nuñez", "Łukasiewicz", "O'Brien", "Smith", "Çelik", "王", "Иванова",
        "Παπαδόπουλος", "Dubois", "Kowalski", "Ng",
    ]
    static let words = [
        "Café", "Crème", "Naïve", "Jalapeño", "Smörgås", "Piñata", "Fjord", "Kaffee", "Thé", "Ramen", "Tofu", "Lager",
        "Linen", "Wool", "Oak", "Steel", "Glas", "Porzellan",
    ]

    /// Deterministic generator (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func pick<T>(_ array: [T]) -> T { array[int(0...array.count - 1)] }
    }

    public func run(on database: any Database, progress: (String) -> Void = { _ in }) async throws -> Counts {
        guard let sql = database as? any SQLDatabase else {
            throw APIError(.internalServerError, code: "internal", "database is not SQL")
        }
        var random = Random(state: seed)
        var counts = Counts()
        let base = Date(timeIntervalSince1970: 1_735_689_600)  // 2025-01-01T00:00:00Z
        func at(_ i: Int) -> Date { base.addingTimeInterval(Double(i) * 37.0 + Double(i % 1_000_000) / 1_000_000) }

        let rootCount = max(2, scale / 500)
        let childCount = max(2, scale / 50)
        var rows: [[any Encodable & Sendable]] = []
        for i in 1...rootCount {
            rows.append([i, Optional<Int>.none, "Abteilung \(i) – \(random.pick(Self.words))", "dept-\(i)", at(i)])
        }
        for i in 1...childCount {
            rows.append([
                rootCount + i, random.int(1...rootCount), "Rayon \(i) · \(random.pick(Self.words))", "aisle-\(i)",
                at(i),
            ])
        }
        try await insert(sql, "categories", ["id", "parent_id", "name", "slug", "created_at"], rows)
        counts.categories = rows.count
        progress("categories: \(rows.count)")

        var stock: [Int] = []
        var prices: [Int64] = []
        try await batched(1...scale) { range in
            rows = range.map { i -> [any Encodable & Sendable] in
                let price = Int64(random.int(99...99_999))
                let units = random.int(0...500)
                prices.append(price)
                stock.append(units)
                let attributes =
                    "{\"color\":\"\(random.pick(["rot", "bleu", "grün", "svart"]))\",\"size\":\"\(random.pick(["S", "M", "L", "XL"]))\"}"
                return [
                    i, String(format: "SKU-%08d", i), "\(random.pick(Self.words)) \(random.pick(Self.words)) Nº\(i)",
                    "Beschreibung für Artikel \(i): \(random.pick(Self.words)) & \(random.pick(Self.words)) — “quoted”, 'single', back\\slash.",
                    price, units, attributes, random.int(0...19) != 0,
                    random.int(rootCount + 1...rootCount + childCount), at(i), at(i),
                ]
            }
            try await insert(
                sql, "products",
                [
                    "id", "sku", "title", "description", "price_cents", "stock", "attributes", "active", "category_id",
                    "created_at", "updated_at",
                ], rows)
            rows = range.map { i in [i, i, stock[i - 1], "restock", Optional<Int>.none, at(i)] }
            try await insert(
                sql, "inventory_movements", ["id", "product_id", "delta", "reason", "order_id", "created_at"], rows)
        }
        counts.products = scale
        counts.movements = scale
        progress("products: \(scale)")

        let customers = max(1, scale / 2)
        try await batched(1...customers) { range in
            let pii = pii
            rows = try range.map { i in
                // Through the PII codec, as the models write them.
                let email = "kunde\(i)@example.com"
                let phone = i % 3 == 0 ? Optional<String>.none : "+49 30 \(1_000_000 + i)"
                return [
                    i, try pii.seal(email, .customerEmail, row: i), pii.emailIndex(email),
                    try pii.seal(
                        "\(random.pick(Self.firstNames)) \(random.pick(Self.lastNames))", .customerName, row: i),
                    try pii.seal(phone, .customerPhone, row: i), at(i),
                ]
            }
            try await insert(sql, "customers", ["id", "email", "email_index", "name", "phone", "created_at"], rows)
            rows = try range.map { i in
                [
                    i, i, try pii.seal("\(random.pick(Self.lastNames))straße \(i % 200 + 1)", .addressLine1, row: i),
                    Optional<String>.none,
                    try pii.seal(
                        random.pick(["Berlin", "Zürich", "Malmö", "Kraków", "São Paulo"]), .addressCity, row: i),
                    try pii.seal(String(10_000 + i % 90_000), .addressPostalCode, row: i),
                    random.pick(["DE", "CH", "SE", "PL", "BR"]),
                ]
            }
            try await insert(
                sql, "addresses", ["id", "customer_id", "line1", "line2", "city", "postal_code", "country"], rows)
        }
        counts.customers = customers
        counts.addresses = customers
        progress("customers: \(customers)")

        var lineID = 0
        var changeID = 0
        var movementID = scale
        try await batched(1...scale) { range in
            var orders: [[any Encodable & Sendable]] = []
            var lines: [[any Encodable & Sendable]] = []
            var changes: [[any Encodable & Sendable]] = []
            var payments: [[any Encodable & Sendable]] = []
            var movements: [[any Encodable & Sendable]] = []
            for i in range {
                var total: Int64 = 0
                for _ in 0..<random.int(1...3) {
                    let product = random.int(1...scale)
                    let quantity = random.int(1...4)
                    lineID += 1
                    movementID += 1
                    total += prices[product - 1] * Int64(quantity)
                    lines.append([lineID, i, product, quantity, prices[product - 1]])
                    movements.append([movementID, product, -quantity, "sale", i, at(i)])
                }
                let status = random.pick(["paid", "shipped", "delivered", "cancelled"])
                orders.append([i, random.int(1...customers), status, total, at(i)])
                changeID += 1
                changes.append([changeID, i, Optional<String>.none, "pending", at(i)])
                changeID += 1
                changes.append([
                    changeID, i, "pending", status == "cancelled" ? "cancelled" : "paid",
                    at(i).addingTimeInterval(0.000_123),
                ])
                payments.append([
                    i, i, total, random.pick(["card", "invoice", "paypal"]),
                    status == "cancelled" ? "refunded" : "captured", String(format: "PAY-%010d", i), at(i),
                ])
            }
            try await insert(sql, "orders", ["id", "customer_id", "status", "total_cents", "created_at"], orders)
            try await insert(
                sql, "order_lines", ["id", "order_id", "product_id", "quantity", "unit_price_cents"], lines)
            try await insert(
                sql, "order_status_changes", ["id", "order_id", "from_status", "to_status", "changed_at"], changes)
            try await insert(
                sql, "payments", ["id", "order_id", "amount_cents", "method", "status", "reference", "created_at"],
                payments)
            try await insert(
                sql, "inventory_movements", ["id", "product_id", "delta", "reason", "order_id", "created_at"], movements
            )
        }
        counts.orders = scale
        counts.orderLines = lineID
        counts.payments = scale
        counts.movements = movementID
        progress("orders: \(scale)")

        let reviews = max(1, scale / 2)
        try await batched(1...reviews) { range in
            rows = range.map { i in
                [
                    i, random.int(1...scale), random.int(1...customers), random.int(1...5),
                    "Sehr gut! \(random.pick(Self.words)) ★★★★ — \(i)", at(i),
                ]
            }
            try await insert(sql, "reviews", ["id", "product_id", "customer_id", "rating", "body", "created_at"], rows)
        }
        counts.reviews = reviews
        progress("reviews: \(reviews)")
        return counts
    }

    private func batched(_ range: ClosedRange<Int>, _ body: (ClosedRange<Int>) async throws -> Void) async throws {
        var start = range.lowerBound
        while start <= range.upperBound {
            let end = min(start + 399, range.upperBound)
            try await body(start...end)
            start = end + 1
        }
    }

    private func insert(
        _ sql: any SQLDatabase, _ table: String, _ columns: [String], _ rows: [[any Encodable & Sendable]]
    ) async throws {
        guard !rows.isEmpty else { return }
        var builder = sql.insert(into: table).columns(columns)
        for row in rows { builder = builder.values(row.map { SQLBind($0) as any SQLExpression }) }
        try await builder.run()
    }
}
