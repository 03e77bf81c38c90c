import Foundation
import MariaDB

/// `dbctl backup restore`: the planned chain prepared into an empty directory, then, for a GTID or time
/// target, the binlogs replayed from the backup's GTID to the stop GTID in one `mariadb-binlog` run into a
/// private server on that directory. Optionally leaves a server running on it.
public struct RestoreRunner: Sendable {
    public let environment: BackupEnvironment

    public init(environment: BackupEnvironment) { self.environment = environment }

    public struct Outcome: Sendable {
        public var plan: RestorePlanner.Plan
        public var directory: String
        public var reachedGTID: String
        public var seconds: Double
        public var replayedTransactions: Int
        /// A server left running (`--start`): its pid and port.
        public var serverPID: Int32?
        public var port: Int?
    }

    /// Empty or absent, so nothing of a live data directory is ever overwritten.
    public static func checkTarget(_ directory: String) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: directory) else { return }
        let entries = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        guard entries.isEmpty else {
            throw BackupError(
                .invalidArgument,
                "restore target \(directory) is not empty (\(entries.count) entries); "
                    + "restore into an empty or new directory")
        }
    }

    public func run(
        _ plan: RestorePlanner.Plan, location: any BackupLocation, into directory: String,
        startPort: Int? = nil
    ) async throws -> Outcome {
        let started = Date()
        let target = URL(fileURLWithPath: directory).standardizedFileURL.path
        try Self.checkTarget(target)
        let folder = try environment.work.scratchFolder("restore")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = try await ChainRestorer(environment: environment).prepareChain(
            plan.chain, in: folder, from: location)
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try ToolProcess(
            executable: try ToolProcess.find("mariadb-backup"),
            arguments: ["--no-defaults", "--move-back", "--target-dir=\(base)", "--datadir=\(target)"]
        )
        .run(log: environment.work.log("restore"), what: "mariadb-backup --move-back into \(target)")
        // The server options mariadb-backup recorded (key plugin and key file of an encrypted server among
        // them) stay with the restored directory: --move-back leaves them behind.
        if FileManager.default.fileExists(atPath: base + "/backup-my.cnf") {
            try? FileManager.default.copyItem(atPath: base + "/backup-my.cnf", toPath: target + "/backup-my.cnf")
        }
        var reached = plan.backup.gtid
        var replayed = 0
        if !plan.binlogs.isEmpty {
            let replay = try await replayBinlogs(plan, location: location, dataDirectory: target, folder: folder)
            reached = replay.reached
            replayed = replay.transactions
        }
        var outcome = Outcome(
            plan: plan, directory: target, reachedGTID: reached,
            seconds: Date().timeIntervalSince(started), replayedTransactions: replayed)
        if let startPort {
            let serverFolder = target + ".server"
            try FileManager.default.createDirectory(atPath: serverFolder, withIntermediateDirectories: true)
            let server = try await ScratchServer.start(
                dataDirectory: target, baseDirectory: serverFolder,
                port: startPort, open: true)
            outcome.serverPID = server.pid
            outcome.port = startPort
        }
        return outcome
    }

    struct Replay {
        var reached: String
        var transactions: Int
    }

    func replayBinlogs(
        _ plan: RestorePlanner.Plan, location: any BackupLocation, dataDirectory: String,
        folder: String
    ) async throws -> Replay {
        let vault = Vault(environment: environment)
        let binlogFolder = folder + "/binlogs"
        try FileManager.default.createDirectory(atPath: binlogFolder, withIntermediateDirectories: true)
        var files: [String] = []
        for record in plan.binlogs {
            let encrypted = binlogFolder + "/" + record.name + ".sealed"
            let clear = binlogFolder + "/" + record.name
            try await vault.download(record.object, from: location, to: encrypted)
            try await BlockingWork.run("binlog-decrypt") {
                FileManager.default.createFile(atPath: clear, contents: nil, attributes: [.posixPermissions: 0o600])
                let output = try FileHandle(forWritingTo: URL(fileURLWithPath: clear))
                defer { try? output.close() }
                _ = try vault.decrypt(record.object, file: encrypted, into: output)
            }
            try? FileManager.default.removeItem(atPath: encrypted)
            files.append(clear)
        }
        let start = GTIDPosition(plan.backup.gtid) ?? GTIDPosition()
        var stop = plan.stopGTID
        var count = 0
        let log = environment.work.log("restore")
        var scans: [BinlogScan] = []
        for file in files {
            scans.append(try await BlockingWork.run("binlog-scan") { try BinlogScan.scan(file: file, log: log) })
        }
        let after = scans.flatMap(\.gtids).filter { !start.contains($0.gtid) }
        if let time = plan.stopTime {
            var position = start
            for entry in after where entry.time <= time { position.advance(entry.gtid) }
            stop = position
        }
        guard let stop else { throw BackupError(.invalidArgument, "no stop position for the replay") }
        count = after.filter { stop.contains($0.gtid) }.count
        guard count > 0 else { return Replay(reached: start.description, transactions: 0) }
        let serverFolder = folder + "/server"
        let server = try await ScratchServer.start(
            dataDirectory: dataDirectory, baseDirectory: serverFolder, withGrants: true)
        do {
            try await pipeReplay(files: files, start: start, stop: stop, server: server, log: log)
            let connection = try await MariaDBConnection.connect(server.clientConfiguration())
            // The restored server learns where it stands, so it can become a replica from here.
            _ = try await connection.execute(
                MariaDBQuery(
                    unsafeSQL: "SET GLOBAL gtid_slave_pos = ?",
                    binds: [.string(stop.description)]))
            // The replay account goes: the restored server holds only the backup's own accounts.
            _ = try await connection.execute("DROP USER IF EXISTS 'dbctl_restore'@'localhost'")
            try? await connection.close()
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
        environment.output("replayed \(count) transactions from \(files.count) binlog(s), up to GTID \(stop)")
        return Replay(reached: stop.description, transactions: count)
    }

    /// `mariadb-binlog --start-position=<backup GTID> --stop-position=<stop GTID> files… | mariadb`, one
    /// invocation so temporary tables and session context carry across files.
    func pipeReplay(files: [String], start: GTIDPosition, stop: GTIDPosition, server: ScratchServer, log: String)
        async throws
    {
        var decodeArguments = ["--no-defaults"]
        if !start.isEmpty { decodeArguments.append("--start-position=\(start)") }
        decodeArguments.append("--stop-position=\(stop)")
        decodeArguments += files
        let decoder = ToolProcess(executable: try ToolProcess.find("mariadb-binlog"), arguments: decodeArguments)
        // A replay can hold account statements (CREATE USER, GRANT): the server runs with its grant tables and
        // a throw-away account, reachable over its socket only.
        let options = try ClientOptionFile.write(server.clientConfiguration(), in: environment.work.tmp)
        defer { options.remove() }
        let client = ToolProcess(
            executable: try ToolProcess.find("mariadb"), arguments: [options.argument, "--binary-mode"])
        try await BlockingWork.run("replay") {
            let decode = decoder.makeProcess()
            let apply = client.makeProcess()
            let pipe = Pipe()
            let logHandle = try ToolProcess.append(to: log)
            defer { try? logHandle.close() }
            decode.standardOutput = pipe
            decode.standardError = logHandle
            decode.standardInput = FileHandle.nullDevice
            apply.standardInput = pipe
            apply.standardOutput = logHandle
            apply.standardError = logHandle
            try apply.run()
            // Process closes the parent's ends of the pipe once each child has it.
            try decode.run()
            decode.waitUntilExit()
            apply.waitUntilExit()
            guard decode.terminationStatus == 0, apply.terminationStatus == 0 else {
                throw BackupError(
                    .tool,
                    "binlog replay failed (mariadb-binlog exited \(decode.terminationStatus), "
                        + "mariadb exited \(apply.terminationStatus)): \(ToolProcess.tail(of: log))")
            }
        }
    }
}
