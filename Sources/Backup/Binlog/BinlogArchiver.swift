import Foundation
import MariaDB

/// `dbctl backup binlogs`: every closed binlog of the server not yet archived is read over the replication
/// protocol (`mariadb-binlog --read-from-remote-server --raw`), checked with `mariadb-binlog -c`, indexed
/// (GTID list, first/last GTID and time), sealed and fanned out. The open binlog is rotated when it has held
/// changes for longer than `binlog_rotate`, which bounds how far the archive trails the server.
public struct BinlogArchiver: Sendable {
    public let environment: BackupEnvironment

    public init(environment: BackupEnvironment) { self.environment = environment }

    public struct Outcome: Sendable {
        public var archived: [BinlogRecord] = []
        public var rotated = false
        public var problems: [String] = []
        /// Files the server no longer has that were never archived: a hole in the recoverable window.
        public var gaps: [String] = []
    }

    public func archive(execute: Bool) async throws -> Outcome {
        let configuration = try environment.serverConfiguration()
        let facts = try await ServerProbe.facts(configuration)
        guard facts.logBin else {
            throw BackupError(
                .precondition, "log_bin is OFF on \(configuration.endpoint): there are no binlogs to archive")
        }
        let missing = facts.missingPrivileges(["BINLOG MONITOR", "REPLICATION SLAVE", "RELOAD"])
            .filter {
                !($0 == "REPLICATION SLAVE" && facts.grants.joined().uppercased().contains("REPLICATION REPLICA"))
            }
        guard missing.isEmpty else {
            throw BackupError(
                .privilege,
                "the account on \(configuration.endpoint) lacks \(missing.joined(separator: ", "))"
                    + " for binlog archiving")
        }
        var outcome = Outcome()
        var logs = facts.binaryLogs
        if try await rotateIfDue(facts, configuration: configuration, execute: execute) {
            outcome.rotated = true
            logs = try await ServerProbe.facts(configuration).binaryLogs
        }
        let closed = logs.dropLast()
        var catalog = try await CatalogStore(environment: environment).load()
        let archived = Set(
            catalog.binlogs.filter {
                $0.serverID == facts.serverID
                    && $0.locations.values.contains {
                        $0.status == .stored
                    }
            }.map(\.name))
        outcome.gaps = gaps(serverFiles: logs.map(\.name), catalog: catalog, serverID: facts.serverID)
        let pending = closed.filter { !archived.contains($0.name) }
        guard execute else {
            for log in pending { environment.output("would archive \(log.name) (\(Format.bytes(log.size)))") }
            return outcome
        }
        let lock = try await WorkLock.acquire(environment.work, waiting: 30)
        defer { withExtendedLifetime(lock) {} }
        for log in pending {
            do {
                let record = try await archiveOne(
                    log.name, serverID: facts.serverID, configuration: configuration,
                    previous: catalog.binlogs.last { $0.serverID == facts.serverID })
                catalog.upsert(record)
                outcome.archived.append(record)
                let stored = record.locations.filter { $0.value.status == .stored }.keys.sorted()
                environment.output(
                    "archived \(log.name): \(record.transactions) transactions, "
                        + "GTID \(record.firstGTID ?? "-")…\(record.lastGTID ?? "-"), "
                        + "stored in \(stored.joined(separator: ", "))")
                for (name, state) in record.locations where state.status != .stored {
                    outcome.problems.append("binlog \(log.name) NOT stored in \(name): \(state.error ?? "?")")
                }
            } catch {
                outcome.problems.append("binlog \(log.name): \(error)")
                break
            }
        }
        if !outcome.archived.isEmpty {
            let failures = try await CatalogStore(environment: environment).save(catalog)
            for (name, error) in failures { outcome.problems.append("catalog NOT written to \(name): \(error)") }
        }
        if environment.section.purgeServerBinlogs {
            try await purge(catalog: catalog, facts: facts, configuration: configuration, outcome: &outcome)
        }
        return outcome
    }

    func archiveOne(
        _ name: String, serverID: UInt32, configuration: MariaDBConfiguration,
        previous: BinlogRecord?
    ) async throws -> BinlogRecord {
        let work = environment.work
        let folder = try work.scratchFolder("binlog")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let options = try ClientOptionFile.write(configuration, in: work.tmp)
        defer { options.remove() }
        let log = work.log("binlogs")
        try ToolProcess(
            executable: try ToolProcess.find("mariadb-binlog"),
            arguments: [
                options.argument, "--read-from-remote-server", "--raw", "--result-file=\(folder)/", name,
            ]
        ).run(log: log, what: "reading binlog \(name) from \(configuration.endpoint)")
        let file = folder + "/" + name
        let scan = try await BlockingWork.run("binlog-scan") { try BinlogScan.scan(file: file, log: log) }
        if let previous, previous.sequence + 1 == Int(name.split(separator: ".").last ?? "") ?? 0,
            let before = GTIDPosition(previous.endGTIDs), !before.isAtOrBefore(scan.previous)
        {
            environment.output(
                "! binlog \(name) starts at GTID \(scan.previous) but \(previous.name) ended at \(before)")
        }
        let key = "binlogs/\(serverID)/\(name).sealed"
        let vault = Vault(environment: environment)
        let (object, staged) = try await BlockingWork.run("binlog-seal") { () -> (ObjectRecord, String) in
            let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
            defer { try? input.close() }
            return try vault.seal(input: input, key: key, identity: key, stagingName: "\(serverID)-\(name).sealed")
        }
        defer { try? FileManager.default.removeItem(atPath: staged) }
        let states = await vault.fanOut(file: staged, key: key, to: environment.locations)
        return BinlogRecord(
            name: name, serverID: serverID, previousGTIDs: scan.previous.description,
            firstGTID: scan.gtids.first?.gtid.text, lastGTID: scan.gtids.last?.gtid.text,
            endGTIDs: scan.end.description, firstTime: scan.gtids.first?.time ?? scan.firstEventTime,
            lastTime: scan.gtids.last?.time ?? scan.lastEventTime, transactions: scan.gtids.count, object: object,
            archived: environment.now(), locations: states)
    }

    /// Server files between the newest archived one and the oldest the server still has that were never
    /// archived (purged too early).
    func gaps(serverFiles: [String], catalog: Catalog, serverID: UInt32) -> [String] {
        let mine = catalog.binlogs.filter { $0.serverID == serverID }
        guard let newest = mine.last, let oldestOnServer = serverFiles.first,
            let oldestNumber = Int(oldestOnServer.split(separator: ".").last ?? "")
        else { return [] }
        guard oldestNumber > newest.sequence + 1 else { return [] }
        return [
            "binlogs after \(newest.name) up to the server's oldest \(oldestOnServer) were purged before they "
                + "were archived: no point-in-time recovery across that range"
        ]
    }

    struct RotationState: Codable {
        var name: String
        var since: Date
        var size: UInt64
    }

    /// FLUSH BINARY LOGS when the open binlog has changes and has been open longer than `binlog_rotate`.
    func rotateIfDue(_ facts: ServerFacts, configuration: MariaDBConfiguration, execute: Bool) async throws -> Bool {
        guard let active = facts.binaryLogs.last else { return false }
        let path = environment.work.binlogStateFile
        let now = environment.now()
        let stored = FileManager.default.contents(atPath: path)
            .flatMap { try? Catalog.decoder().decode(RotationState.self, from: $0) }
        guard let state = stored, state.name == active.name else {
            let fresh = RotationState(name: active.name, since: now, size: active.size)
            if let data = try? Catalog.encoder().encode(fresh) {
                FileManager.default.createFile(atPath: path, contents: data)
            }
            return false
        }
        guard execute, active.size > state.size, now.timeIntervalSince(state.since) >= environment.section.binlogRotate
        else { return false }
        let connection = try await MariaDBConnection.connect(configuration)
        do {
            _ = try await connection.execute("FLUSH BINARY LOGS")
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw BackupError(.tool, "FLUSH BINARY LOGS on \(configuration.endpoint) failed: \(error)")
        }
        environment.output(
            "rotated the server's binlog \(active.name) (open for "
                + "\(Format.seconds(now.timeIntervalSince(state.since))))")
        return true
    }

    /// PURGE BINARY LOGS up to the oldest server file that is not archived in every location.
    func purge(
        catalog: Catalog, facts: ServerFacts, configuration: MariaDBConfiguration,
        outcome: inout Outcome
    ) async throws {
        let names = environment.locations.map(\.name)
        let safe = Set(
            catalog.binlogs.filter { record in
                record.serverID == facts.serverID && names.allSatisfy { record.locations[$0]?.status == .stored }
            }.map(\.name))
        let current = try await ServerProbe.facts(configuration).binaryLogs.map(\.name)
        guard let firstUnsafe = current.first(where: { !safe.contains($0) }), firstUnsafe != current.first else {
            return
        }
        // The name comes from SHOW BINARY LOGS; PURGE takes no placeholder, so it is checked to be a plain name.
        guard firstUnsafe.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }) else {
            outcome.problems.append("binlog name \(firstUnsafe) is not a plain file name; not purging")
            return
        }
        let connection = try await MariaDBConnection.connect(configuration)
        do {
            _ = try await connection.execute(MariaDBQuery(unsafeSQL: "PURGE BINARY LOGS TO '\(firstUnsafe)'"))
            environment.output("purged the server's binlogs before \(firstUnsafe) (archived in every location)")
        } catch {
            outcome.problems.append("purging binlogs before \(firstUnsafe) failed: \(error)")
        }
        try? await connection.close()
    }
}
