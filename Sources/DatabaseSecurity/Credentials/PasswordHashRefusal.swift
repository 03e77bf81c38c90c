import MariaDB

/// dbctl sets generated passwords as hashes (`IDENTIFIED BY PASSWORD '*…'`): MariaDB writes a plaintext
/// `IDENTIFIED BY '…'` into the binary log and the general log as typed, a hash stays a hash. A server with a
/// password-check plugin and `strict_password_validation` ON refuses every hash; this names that and its fix.
enum PasswordHashRefusal {
    static func explain(_ error: any Error) -> String? {
        guard let error = error as? MariaDBError, error.errno == 1290,
            error.message.contains("strict-password-validation")
        else { return nil }
        return "the server refuses password hashes (strict_password_validation = ON with a password-check plugin);"
            + " set strict_password_validation = OFF (passwords typed in plaintext are still checked) —"
            + " dbctl never sends a password in plaintext, which the binary log would keep"
    }
}
