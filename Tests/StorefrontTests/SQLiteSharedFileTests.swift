import FluentKit
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Storefront
import Testing

/// Two `StorefrontDatabase`s on one SQLite file have a connection each, like two processes: they wait for each
/// other's locks instead of failing.
@Suite struct SQLiteSharedFileTests {
    static func file() -> String { NSTemporaryDirectory() + "storefront-shared-\(UUID().uuidString.prefix(8)).sqlite" }

    static func remove(_ file: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
    }

    @Test func everyConnectionWaitsForLocksAsConfigured() async throws {
        let file = Self.file()
        defer { Self.remove(file) }
        for (configured, expected) in [(Duration.seconds(5), 5000), (.milliseconds(1234), 1234)] {
            let configuration = StorefrontConfiguration(database: .sqlite(path: file), sqliteBusyTimeout: configured)
            let db = StorefrontDatabase(configuration)
            do {
                let sql = try #require(db.database() as? any SQLDatabase)
                struct Row: Decodable { let timeout: Int }
                let row = try await sql.raw("SELECT timeout FROM pragma_busy_timeout").first(decoding: Row.self)
                #expect(row?.timeout == expected)
            } catch {
                await db.shutdown()
                throw error
            }
            await db.shutdown()
        }
    }

    /// While one connection holds the write lock, a transaction on the other that reads and then writes waits
    /// for it and commits (a deferred `BEGIN` failed here with `SQLITE_BUSY`: a reader cannot become a writer
    /// while another connection writes).
    @Test func aTransactionWaitsForTheOtherConnectionsWriterInsteadOfFailing() async throws {
        let file = Self.file()
        defer { Self.remove(file) }
        let first = StorefrontDatabase(StorefrontConfiguration(database: .sqlite(path: file)))
        let second = StorefrontDatabase(StorefrontConfiguration(database: .sqlite(path: file)))
        do {
            try await first.migrate()
            let product = Product(sku: "W-1", title: "Wait", description: "", priceCents: 100, stock: 5,
                                  attributes: [:], active: true, categoryID: nil)
            try await product.create(on: first.database())
            let productID = try product.requireID()
            let cart = Cart(customerID: nil)
            try await cart.create(on: first.database())
            let cartID = try cart.requireID()

            let holding = NIOLockedValueBox(false)
            let writer = Task {
                try await first.database().transaction { tx in
                    try await Product.query(on: tx).filter(\.$id == productID).set(\.$stock, to: 4).update()
                    holding.withLockedValue { $0 = true }
                    try await Task.sleep(for: .milliseconds(400))
                }
            }
            while !holding.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            let started = ContinuousClock.now
            try await second.database().transaction { tx in
                _ = try await Cart.find(cartID, on: tx)
                try await CartItem(cartID: cartID, productID: productID, quantity: 2).create(on: tx)
            }
            let waited = ContinuousClock.now - started
            try await writer.value
            #expect(waited >= .milliseconds(200), "the second transaction waited for the first to commit (\(waited))")
            #expect(try await Product.find(productID, on: second.database())?.stock == 4)
            #expect(try await CartItem.query(on: first.database()).count() == 1)
        } catch {
            await first.shutdown()
            await second.shutdown()
            throw error
        }
        await first.shutdown()
        await second.shutdown()
    }
}
