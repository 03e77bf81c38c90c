import ArgumentParser
import Foundation
import MariaDBServer

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Local MariaDB servers: render a sized my.cnf, run one in the foreground.",
        subcommands: [ConfigCommand.self, RunCommand.self])

    struct ConfigCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config", abstract: "Print the my.cnf this machine (or the given size) should run with, with a reason per setting.")

        @Option(help: "Memory for the server, in GiB (default: this machine's).") var memoryGib: Double?
        @Option(help: "CPU cores (default: this machine's).") var cores: Int?
        @Flag(help: "Print the small test profile instead of the production one.") var test = false

        func run() async throws {
            let profile = test ? ServerProfile.test
                : ServerProfile.production(memoryBytes: memoryGib.map { UInt64($0 * 1_073_741_824) }, cpuCores: cores)
            let file = ServerConfigFile(profile: profile, baseDirectory: "/var/lib/storefront-mariadb", port: 3306, serverID: 1, runAsUser: nil, tls: nil, overrides: [])
            print(file.render(), terminator: "")
        }
    }

    struct RunCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Start a local MariaDB on 127.0.0.1 in DIR (created if needed) and keep it running until Ctrl-C.")

        @Option(help: "Server folder (data, my.cnf, logs, admin.password).") var dir: String
        @Option(help: "TCP port on 127.0.0.1.") var port: Int = 3306
        @Flag(help: "Use the small test profile.") var test = false

        func run() async throws {
            var options = MariaDBServer.Options()
            options.baseDirectory = dir
            options.port = port
            options.keepFiles = true
            options.profile = test ? .test : .production()
            let server = try await MariaDBServer.start(options)
            print("MariaDB running on 127.0.0.1:\(server.port) (pid \(server.pid)); admin user \(server.adminUser), password in \(server.adminPasswordFile)")
            print("Press Ctrl-C to stop.")
            fflush(nil)  // scripts wait for this line in a log file
            let (signals, continuation) = AsyncStream<Void>.makeStream()
            var sources: [any DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
                source.setEventHandler { continuation.yield() }
                source.resume()
                sources.append(source)
            }
            for await _ in signals { break }
            sources.forEach { $0.cancel() }
            try await server.stop()
            print("stopped")
        }
    }
}
