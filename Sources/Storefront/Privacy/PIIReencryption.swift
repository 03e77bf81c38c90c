import FluentKit
import Foundation
import SQLKit

/// Brings every customer's and address's personal data under the current key: values in clear (a shop that
/// ran without `PII_KEY_FILE`, or one migrated from elsewhere) and values sealed with an older key version are
/// sealed again, and emails get the current blind index. Runs while the shop serves, in small transactions
/// by ascending id; a row already current is left alone, so a stopped run simply starts again. At the end it
/// counts what is not yet current (0 when done) and opens every value once, to prove each decrypts.
public struct PIIReencryption: Sendable {
    public struct Report: Sendable, CustomStringConvertible {
        public var customersChanged = 0
        public var addressesChanged = 0
        public var customersChecked = 0
        public var addressesChecked = 0
        /// Rows with a value in clear or under another key after the run (0 when it completed).
        public var notCurrent = 0
        public var description: String {
            "re-sealed \(customersChanged) customers and \(addressesChanged) addresses; checked \(customersChecked) "
                + "customers and \(addressesChecked) addresses, \(notCurrent) not under the current key"
        }
    }

    public let pii: PIICodec
    public var batchSize: Int

    /// Reads values in clear whatever `PII_PLAINTEXT` says: turning them into sealed values is its job.
    public init(pii: PIICodec, batchSize: Int = 500) {
        var reader = pii
        reader.acceptsPlaintext = true
        self.pii = reader
        self.batchSize = batchSize
    }

    public func run(on db: any Database, progress: (String) -> Void = { _ in }) async throws -> Report {
        guard pii.encrypts else {
            throw StorefrontConfigurationError("PII_KEY_FILE is not set: there is no key to seal with")
        }
        var report = Report()
        var after = 0
        while true {
            let (changed, last) = try await customersBatch(after: after, on: db)
            guard let last else { break }
            report.customersChanged += changed
            after = last
            progress("customers up to id \(last): \(report.customersChanged) re-sealed")
        }
        after = 0
        while true {
            let (changed, last) = try await addressesBatch(after: after, on: db)
            guard let last else { break }
            report.addressesChanged += changed
            after = last
            progress("addresses up to id \(last): \(report.addressesChanged) re-sealed")
        }
        try await check(&report, on: db)
        return report
    }

    func isCurrent(_ stored: String?) -> Bool {
        guard let stored else { return true }
        return PIICodec.version(of: stored) == pii.currentVersion
    }

    private func customersBatch(after: Int, on db: any Database) async throws -> (Int, Int?) {
        try await db.transaction { tx in
            let rows = try await Customer.query(on: tx).filter(\.$id > after).sort(\.$id).limit(batchSize).all()
            var changed = 0
            for customer in rows {
                let id = try customer.requireID()
                let email = try customer.email(pii)
                let index = pii.emailIndex(Customer.normalizedEmail(email))
                let current = [customer.emailStorage, customer.nameStorage, customer.phoneStorage].allSatisfy(isCurrent)
                guard !current || customer.emailIndex != index else { continue }
                let name = try customer.name(pii)
                let phone = try customer.phone(pii)
                customer.emailStorage = try pii.seal(email, .customerEmail, row: id)
                customer.nameStorage = try pii.seal(name, .customerName, row: id)
                customer.phoneStorage = try pii.seal(phone, .customerPhone, row: id)
                customer.emailIndex = index
                try await customer.update(on: tx)
                changed += 1
            }
            return (changed, rows.last?.id)
        }
    }

    private func addressesBatch(after: Int, on db: any Database) async throws -> (Int, Int?) {
        try await db.transaction { tx in
            let rows = try await Address.query(on: tx).filter(\.$id > after).sort(\.$id).limit(batchSize).all()
            var changed = 0
            for address in rows {
                let stored = [
                    address.line1Storage, address.line2Storage, address.cityStorage, address.postalCodeStorage,
                ]
                guard !stored.allSatisfy(isCurrent) else { continue }
                let id = try address.requireID()
                let (line1, line2) = (try address.line1(pii), try address.line2(pii))
                let (city, postalCode) = (try address.city(pii), try address.postalCode(pii))
                address.line1Storage = try pii.seal(line1, .addressLine1, row: id)
                address.line2Storage = try pii.seal(line2, .addressLine2, row: id)
                address.cityStorage = try pii.seal(city, .addressCity, row: id)
                address.postalCodeStorage = try pii.seal(postalCode, .addressPostalCode, row: id)
                try await address.update(on: tx)
                changed += 1
            }
            return (changed, rows.last?.id)
        }
    }

    private func check(_ report: inout Report, on db: any Database) async throws {
        var after = 0
        while true {
            let rows = try await Customer.query(on: db).filter(\.$id > after).sort(\.$id).limit(batchSize).all()
            guard let last = rows.last?.id else { break }
            for customer in rows {
                let email = try customer.email(pii)
                _ = (try customer.name(pii), try customer.phone(pii))
                let stored = [customer.emailStorage, customer.nameStorage, customer.phoneStorage]
                if !stored.allSatisfy(isCurrent)
                    || customer.emailIndex != pii.emailIndex(Customer.normalizedEmail(email))
                {
                    report.notCurrent += 1
                }
                report.customersChecked += 1
            }
            after = last
        }
        after = 0
        while true {
            let rows = try await Address.query(on: db).filter(\.$id > after).sort(\.$id).limit(batchSize).all()
            guard let last = rows.last?.id else { break }
            for address in rows {
                _ = (try address.line1(pii), try address.line2(pii), try address.city(pii), try address.postalCode(pii))
                let stored = [
                    address.line1Storage, address.line2Storage, address.cityStorage, address.postalCodeStorage,
                ]
                if !stored.allSatisfy(isCurrent) { report.notCurrent += 1 }
                report.addressesChecked += 1
            }
            after = last
        }
    }
}
