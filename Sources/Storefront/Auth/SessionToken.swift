import Crypto
import Foundation

/// Bearer tokens: 256 random bits, base64url, with a `sfs_` prefix so secret scanners recognise a leaked one.
/// The database keeps only the SHA-256 of a token.
enum SessionToken {
    static let prefix = "sfs_"

    static func generate() -> String {
        let key = SymmetricKey(size: .bits256)
        let base64 = key.withUnsafeBytes { Data($0).base64EncodedString() }
        return prefix
            + base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The token of `Authorization: Bearer <token>`; `nil` without one.
    static func bearer(in authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
