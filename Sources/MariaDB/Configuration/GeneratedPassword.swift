import Foundation

/// Passwords this package generates for server accounts.
///
/// 32 random bytes in base64url (nothing a URL, an option file or a quoted SQL literal must escape), then one
/// random character of each class a server's password policy counts — upper case, lower case, digit, and a
/// punctuation mark — so a server running `simple_password_check` (or MySQL's `validate_password`) at its
/// defaults accepts every one of them, not three out of four.
public enum GeneratedPassword {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let body = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let classes = ["ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789", "-_"]
        let tail = classes.map { String($0.randomElement(using: &generator)!) }.joined()
        return body + tail
    }
}
