import ArgumentParser
import MariaDB

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping", abstract: "Connect, report server version, TLS and round-trip time.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let configuration = try connection.configuration()
        let clock = ContinuousClock()
        let start = clock.now
        let db = try await MariaDBConnection.connect(configuration)
        let connected = clock.now - start
        let pingStart = clock.now
        try await db.ping()
        let ping = clock.now - pingStart
        print("server:  \(db.serverVersion) at \(configuration.endpoint)")
        print("tls:     \(db.tlsVersion ?? "not encrypted")")
        print("connect: \(connected)  ping: \(ping)")
        try await db.close()
    }
}
