import Foundation

/// What a new password must be: at least ``minimumLength`` characters, at most ``maximumBytes`` bytes of UTF-8
/// (bcrypt reads no further, so a longer one would be silently cut), not one of the commonly used passwords
/// (Django's list, the entries of ten characters or more), and not the account's own email or name.
enum PasswordPolicy {
    static let minimumLength = 10
    static let maximumBytes = 72

    static func check(_ password: String, email: String, name: String) throws {
        guard password.count >= minimumLength else {
            throw APIError.invalid("password", "field 'password' must have at least \(minimumLength) characters")
        }
        guard password.utf8.count <= maximumBytes else {
            throw APIError.invalid("password", "field 'password' must be at most \(maximumBytes) bytes of UTF-8")
        }
        let folded = password.lowercased()
        guard !common.contains(folded) else {
            throw APIError.invalid("password", "field 'password' is a commonly used password; choose another")
        }
        let local = email.split(separator: "@").first.map { String($0).lowercased() } ?? ""
        let own = [email.lowercased(), local, name.lowercased()].filter { $0.count >= 4 }
        guard !own.contains(where: { folded.contains($0) }) else {
            throw APIError.invalid("password", "field 'password' must not contain the account's email or name")
        }
        guard Set(password).count >= 3 else {
            throw APIError.invalid("password", "field 'password' must use at least 3 different characters")
        }
    }

    /// Loaded once, from the bundled resource.
    static let common: Set<String> = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return [] }
        return Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }()
}
