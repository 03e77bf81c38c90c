import FluentKit
import Foundation
import MariaDB
import MariaDBTestSupport
import Migration
import Storefront
import Testing

/// The shop's own SQLite database, seeded, migrated both ways; the shop keeps working on the copy.
@Suite(.mariaDB) struct StorefrontMigrationTests {
    static func seededShop(scale: Int) async throws -> String {
        let path = NSTemporaryDirectory() + "shop-\(UUID().uuidString.prefix(8)).sqlite"
        let db = StorefrontDatabase(StorefrontConfiguration(database: .sqlite(path: path)))
        do {
            try await db.migrate()
            _ = try await Seeder(scale: scale).run(on: db.database())
        } catch { await db.shutdown(); throw error }
        await db.shutdown()
        return path
    }

    @Test func intoTheApplicationsOwnSchemaAndTheShopKeepsWorking() async throws {
        let path = try await Self.seededShop(scale: 400)
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let target = try TestServer.freshDatabase("shopmig")
        let configuration = StorefrontConfiguration(database: .mariaDB(MariaDBConfigurationBox(target)), poolMinimum: 0)
        let shop = StorefrontDatabase(configuration)
        do {
            try await shop.migrate()  // the application creates its schema on MariaDB
            let (report, _) = try migrate(SQLiteFixture(existing: path), schema: .auto, target: target)
            #expect(report.mode == "existing")
            #expect(report.verified, "\(report.text)")
            let db = shop.database()
            #expect(try await Product.query(on: db).count() == 400)
            #expect(try await Customer.query(on: db).count() == 200)
            // The migrated shop takes new orders; ids continue above the copied ones.
            let product = try #require(try await Product.query(on: db).filter(\.$active == true).filter(\.$stock > 0).first())
            let customer = try #require(try await Customer.find(1, on: db))
            #expect(try customer.email(.plain) == "kunde1@example.com")
            let cart = Cart(customerID: 1)
            try await cart.create(on: db)
            try await CartItem(cartID: try cart.requireID(), productID: try product.requireID(), quantity: 1).create(on: db)
            let orderID = try await CheckoutService(cache: CatalogCache(ttl: .seconds(1))).checkout(cartID: try cart.requireID(), customerID: 1, paymentMethod: "card", on: db)
            #expect(orderID > 400)
            let stock = try await Product.find(product.id, on: db)?.stock
            #expect(stock == product.stock - 1)
        } catch { await shop.shutdown(); throw error }
        await shop.shutdown()
    }

    @Test func genericSchemaFromTheSQLiteFile() async throws {
        let path = try await Self.seededShop(scale: 300)
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let (report, target) = try migrate(SQLiteFixture(existing: path), schema: .generic)
        #expect(report.mode == "generic")
        #expect(report.verified, "\(report.text)")
        let columns = try query(target, "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'products'")
        let types = Dictionary(uniqueKeysWithValues: try columns.map { (try $0.decode(0, as: String.self), try $0.decode(1, as: String.self)) })
        #expect(types["created_at"] == "datetime(6)")  // fluent REAL seconds → DATETIME(6)
        #expect(types["sku"] == "varchar(64)")
        #expect(types["attributes"] == "longtext")  // MariaDB's JSON
        let fks = try query(target, "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()")[0].decode(0, as: Int.self)
        #expect(fks == 16, "one per relation of the shop, customer_sessions → customers included")
    }
}

extension SQLiteFixture {
    init(existing path: String) { self.init(path: path) }
    init(path: String) { self = SQLiteFixture(unchecked: path) }
}
