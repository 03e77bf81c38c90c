import ArgumentParser
import Backup
import Foundation
import MariaDB

struct BackupAccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Create the least-privilege account of server.url (password from server.password_file).")
    @OptionGroup var options: ConfigOptions
    @Option(help: "An administrator's mysql:// URL to create the account with.") var adminUrl: String
    @Option(help: "File holding the administrator's password.") var adminPasswordFile: String?
    @Option(help: "The host part of the account.") var accountHost = "127.0.0.1"
    @Flag(help: "Create it; without it, only the statements are printed.") var execute = false

    func run() async throws {
        let configuration = try options.load()
        let server = try configuration.requireServer(for: "backup account")
        var account = try MariaDBConfiguration(url: server.url)
        guard let passwordFile = server.passwordFile else {
            throw ValidationError("\(configuration.file): server.password_file is needed for the account's password")
        }
        try account.loadPassword(fromFile: passwordFile)
        let backupAccount = BackupAccount(user: account.username, host: accountHost)
        for statement in backupAccount.statements { print(statement) }
        guard execute else {
            print("dry run: nothing was written. Add --execute to create the account.")
            return
        }
        var admin = try MariaDBConfiguration(url: adminUrl)
        if let adminPasswordFile { try admin.loadPassword(fromFile: adminPasswordFile) }
        try await backupAccount.apply(admin: admin, password: account.password ?? "")
        print("account \(account.username)@\(accountHost) ready")
    }
}
