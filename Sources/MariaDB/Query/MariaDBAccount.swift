import Crypto
import Foundation

/// A server account, `'user'@'host'`, for the statements that cannot take placeholders (CREATE/ALTER USER,
/// GRANT). Names are limited to letters, digits and `_ . - % :` so that quoting them is exact.
public struct MariaDBAccount: Sendable, Hashable, CustomStringConvertible {
    public let user: String
    public let host: String

    /// Fails naming the account when a name has other characters.
    public init(user: String, host: String) throws {
        guard Self.isPlainName(user), Self.isPlainName(host) else {
            throw MariaDBError(
                code: .misuse,
                message: "account \(user)@\(host): user and host may hold letters, "
                    + "digits and _ . - % : only")
        }
        self.user = user
        self.host = host
    }

    /// `'user'@'host'`, for a statement.
    public var sql: String { "'\(user)'@'\(host)'" }
    public var description: String { "\(user)@\(host)" }

    public static func isPlainName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-%:".contains($0)) }
    }

    /// mysql_native_password's stored form, `*` + hex(SHA1(SHA1(password))): `IDENTIFIED BY PASSWORD '…'` then
    /// carries hex digits only, so the password is in no statement, general log or audit log.
    public static func nativePasswordHash(_ password: String) -> String {
        let inner = Data(Insecure.SHA1.hash(data: Data(password.utf8)))
        return "*" + Insecure.SHA1.hash(data: inner).map { String(format: "%02X", $0) }.joined()
    }
}
