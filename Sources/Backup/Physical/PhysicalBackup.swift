import Foundation
import MariaDB

/// `dbctl backup full|incremental`: a hot physical backup with mariadb-backup, streamed (mbstream) straight
/// into the encryptor, prepared once on a scratch copy to prove it restores, table checksums taken on that
/// copy, then uploaded to every location with its manifest, and recorded in the catalog.
public struct PhysicalBackup: Sendable {
    public let environment: BackupEnvironment
    public let kind: BackupRecord.Kind

    public init(environment: BackupEnvironment, kind: BackupRecord.Kind) {
        self.environment = environment
        self.kind = kind
    }

    /// Privileges mariadb-backup needs on MariaDB 10.5+ (and binlog archiving).
    static let privileges = ["RELOAD", "PROCESS", "LOCK TABLES", "BINLOG MONITOR"]

    public struct Plan: Sendable {
        public var checks: [Check]
        public var parent: BackupRecord?
        var facts: ServerFacts?
        public var ready: Bool { checks.failures.isEmpty }
    }

    public func plan() async throws -> Plan {
        var checks: [Check] = []
        var facts: ServerFacts?
        do {
            let configuration = try environment.serverConfiguration()
            let found = try await ServerProbe.facts(configuration)
            facts = found
            checks.append(
                Check(
                    "server", ok: true,
                    "\(configuration.endpoint), MariaDB \(found.version), "
                        + "server_id \(found.serverID)"))
            let missing = found.missingPrivileges(Self.privileges)
            checks.append(
                Check(
                    "privileges", ok: missing.isEmpty,
                    missing.isEmpty
                        ? Self.privileges.joined(separator: ", ")
                        : "the account lacks \(missing.joined(separator: ", ")); grant them or run "
                            + "`dbctl backup account --execute`"))
            checks.append(
                Check(
                    "binlog", ok: found.logBin,
                    found.logBin
                        ? "log_bin ON, binlog_format \(found.binlogFormat)"
                        : "log_bin is OFF: no point-in-time recovery is possible; enable log_bin"))
            if found.logBin, found.binlogFormat.uppercased() != "ROW" {
                checks.append(
                    Check(
                        "binlog format", ok: true,
                        "binlog_format is \(found.binlogFormat); ROW is "
                            + "the safe choice for replaying", warning: true))
            }
            let dataDirectory = environment.server?.dataDirectory ?? found.dataDirectory
            let readable = FileManager.default.isReadableFile(atPath: dataDirectory)
            checks.append(
                Check(
                    "data directory", ok: readable,
                    readable
                        ? dataDirectory
                        : "\(dataDirectory) is not readable here; mariadb-backup must run on the server's host"))
            checks.append(toolCheck(serverVersion: found.version))
        } catch {
            checks.append(Check("server", ok: false, "\(error)"))
        }
        checks.append(
            Check(
                "key", ok: true,
                "key-encryption key \(environment.keyRing.current.id) from "
                    + environment.section.keyFile))
        for location in environment.locations {
            do {
                try await location.check()
                checks.append(Check("location \(location.name)", ok: true, "\(location.kind) reachable, writable"))
            } catch {
                // A location that is down makes the backup partial; it is caught up later.
                checks.append(
                    Check(
                        "location \(location.name)", ok: true, "\(error) — the backup will be partial",
                        warning: true))
            }
        }
        var parent: BackupRecord?
        if kind == .incremental {
            let catalog = try await CatalogStore(environment: environment).load()
            parent = catalog.backups.last { $0.locations.values.contains { $0.status == .stored } }
            checks.append(
                Check(
                    "parent", ok: parent != nil,
                    parent.map {
                        "on top of \($0.id) (\($0.kind.rawValue), to_lsn \($0.toLSN), GTID "
                            + "\($0.gtid.isEmpty ? "none" : $0.gtid))"
                    } ?? "no verified backup to build on; take a full backup first"))
        }
        return Plan(checks: checks, parent: parent, facts: facts)
    }

    /// mariadb-backup must be the server's own version (it embeds the server's InnoDB).
    func toolCheck(serverVersion: String) -> Check {
        do {
            let tool = try ToolProcess.find("mariadb-backup")
            let version = try ToolProcess(executable: tool, arguments: ["--version"]).combinedOutput().output
            let serverMajor = serverVersion.split(separator: ".").prefix(2).joined(separator: ".")
            let matches = version.contains(" \(serverMajor).") || version.contains("-\(serverMajor).")
            let summary = version.trimmingCharacters(in: .whitespacesAndNewlines)
            return Check(
                "mariadb-backup", ok: matches,
                matches
                    ? summary
                    : "\(summary) does not match the server's \(serverVersion); install the same version")
        } catch {
            return Check("mariadb-backup", ok: false, "\(error)")
        }
    }

    public func execute(_ plan: Plan) async throws -> BackupRecord {
        guard plan.ready, let facts = plan.facts else {
            throw BackupError(
                .precondition,
                "\(plan.checks.failures.count) check(s) failed: "
                    + plan.checks.failures.map(\.line).joined(separator: "; "))
        }
        let lock = try await WorkLock.acquire(environment.work, waiting: 5)
        defer { withExtendedLifetime(lock) {} }
        let started = environment.now()
        let id = Self.identifier(kind: kind, at: started)
        let taken = try await take(id: id, parent: plan.parent, facts: facts)
        environment.output(
            "taken: \(id), \(Format.bytes(taken.object.plainBytes)) in "
                + "\(Format.seconds(taken.seconds)), consistent at GTID "
                + (taken.checkpoints.gtid.isEmpty ? "(none)" : taken.checkpoints.gtid))
        var record = BackupRecord(
            id: id, kind: kind, parent: plan.parent?.id, chainRoot: plan.parent?.chainRoot ?? id, started: started,
            ended: environment.now(), serverID: facts.serverID, serverVersion: facts.version,
            toolVersion: taken.checkpoints.toolVersion, fromLSN: taken.checkpoints.fromLSN,
            toLSN: taken.checkpoints.toLSN, binlogFile: taken.checkpoints.binlogFile,
            binlogPosition: taken.checkpoints.binlogPosition, gtid: taken.checkpoints.gtid,
            checkpoints: taken.checkpoints.checkpointsText, objects: [taken.object], tableChecksums: [:],
            backupSeconds: taken.seconds, prepareSeconds: 0, locations: [:])
        do {
            let prepared = try await PreparedCopy(environment: environment).prepare(record, staged: taken.stagedFile)
            record.tableChecksums = prepared.checksums
            record.prepareSeconds = prepared.seconds
            environment.output(
                "prepared: \(id) in \(Format.seconds(prepared.seconds)), "
                    + "\(prepared.checksums.count) table checksums recorded")
        } catch {
            try? FileManager.default.removeItem(atPath: taken.stagedFile)
            throw BackupError(.tool, "backup \(id) cannot be prepared, so it is not kept: \(Format.error(error))")
        }
        record = await Publisher(environment: environment).publish(record, stagedFiles: [taken.stagedFile])
        try? FileManager.default.removeItem(atPath: taken.stagedFile)
        return record
    }

    static func identifier(kind: BackupRecord.Kind, at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date) + "-" + (kind == .full ? "full" : "incr")
    }

    struct Taken {
        var object: ObjectRecord
        var stagedFile: String
        var checkpoints: BackupCheckpoints
        var seconds: Double
    }

    /// Runs mariadb-backup with its stream piped into the encryptor.
    func take(id: String, parent: BackupRecord?, facts: ServerFacts) async throws -> Taken {
        let work = environment.work
        let configuration = try environment.serverConfiguration()
        let options = try ClientOptionFile.write(configuration, in: work.tmp)
        defer { options.remove() }
        let lsnDirectory = work.lsn(id)
        try? FileManager.default.removeItem(atPath: lsnDirectory)
        try FileManager.default.createDirectory(atPath: lsnDirectory, withIntermediateDirectories: true)
        let target = try work.scratchFolder("stream-\(id)")
        defer { try? FileManager.default.removeItem(atPath: target) }
        var arguments = [
            options.argument, "--backup", "--stream=mbstream", "--extra-lsndir=\(lsnDirectory)",
            "--target-dir=\(target)", "--parallel=\(environment.section.parallel)",
            "--datadir=\(environment.server?.dataDirectory ?? facts.dataDirectory)",
        ]
        if let parent {
            let base = work.lsn(parent.id)
            if !FileManager.default.fileExists(atPath: base + "/" + BackupCheckpoints.checkpointsFile) {
                try BackupCheckpoints.writeBaseDirectory(parent, to: base)
            }
            arguments.append("--incremental-basedir=\(base)")
        }
        let tool = ToolProcess(executable: try ToolProcess.find("mariadb-backup"), arguments: arguments)
        let log = work.log(id)
        let key = "backups/\(id)/data.mbs.sealed"
        let vault = Vault(environment: environment)
        let start = Date()
        let (object, staged) = try await BlockingWork.run("backup-\(id)") {
            let process = tool.makeProcess()
            let pipe = Pipe()
            let logHandle = try ToolProcess.append(to: log)
            defer { try? logHandle.close() }
            process.standardOutput = pipe
            process.standardError = logHandle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let sealed: (ObjectRecord, String)
            do {
                sealed = try vault.seal(
                    input: pipe.fileHandleForReading, key: key, identity: key,
                    stagingName: "\(id).data.mbs.sealed")
            } catch {
                process.terminate()
                process.waitUntilExit()
                throw error
            }
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                try? FileManager.default.removeItem(atPath: sealed.1)
                throw BackupError(
                    .tool,
                    "backup \(id) failed: mariadb-backup exited \(process.terminationStatus): "
                        + ToolProcess.tail(of: log))
            }
            return sealed
        }
        let checkpoints = try BackupCheckpoints.read(directory: lsnDirectory)
        return Taken(
            object: object, stagedFile: staged, checkpoints: checkpoints,
            seconds: Date().timeIntervalSince(start))
    }
}
