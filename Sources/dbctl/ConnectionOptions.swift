import ArgumentParser
import MariaDB

/// `--url` plus `--password-file`; the password never has to appear on the command line.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "mysql://user@host:port/db (put the password in --password-file or MYSQL_PWD, not here)")
    var url: String

    @Option(name: .long, help: "File holding the password (mode 0600).")
    var passwordFile: String?

    func configuration() throws -> MariaDBConfiguration {
        var configuration = try MariaDBConfiguration(url: url)
        if let passwordFile {
            try configuration.loadPassword(fromFile: passwordFile)
        } else if configuration.password == nil, let password = ProcessInfo.processInfo.environment["MYSQL_PWD"] {
            configuration.password = password
        }
        return configuration
    }
}

import Foundation
