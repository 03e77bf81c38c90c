import Foundation

/// Proves a backup restores right after it is taken: its stream is decrypted into `mbstream -x`, prepared
/// with mariadb-backup (an incremental is applied to the prepared copy of its chain, kept in the work
/// directory for the next one), and a scratch server started on a copy records `CHECKSUM TABLE` of every table.
struct PreparedCopy: Sendable {
    let environment: BackupEnvironment

    struct Result {
        var checksums: [String: String]
        var seconds: Double
    }

    func prepare(_ record: BackupRecord, staged: String) async throws -> Result {
        let start = Date()
        let work = environment.work
        let extracted = try work.scratchFolder("extract-\(record.id)")
        defer { try? FileManager.default.removeItem(atPath: extracted) }
        try await Extractor(environment: environment).extract(record.objects[0], file: staged, into: extracted)
        let target: String
        if record.kind == .full {
            target = extracted
            try Self.prepare(target: target, incremental: nil, log: work.log(record.id))
        } else {
            guard let parent = record.parent else { throw BackupError(.precondition, "incremental without parent") }
            let base = try await preparedChain(upTo: parent)
            try Self.prepare(target: base, incremental: extracted, log: work.log(record.id))
            target = base
        }
        // Keep the prepared state of this chain (only the newest one) for the next incremental.
        let keep = work.prepared(record.id)
        let fm = FileManager.default
        let holding = work.scratch + "/prepared-\(record.id)"
        try? fm.removeItem(atPath: holding)
        try fm.moveItem(atPath: target, toPath: holding)
        try? fm.removeItem(atPath: work.preparedRoot)
        try fm.createDirectory(
            atPath: work.preparedRoot, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        try fm.moveItem(atPath: holding, toPath: keep)
        var checksums: [String: String] = [:]
        if environment.section.tableChecksums {
            checksums = try await Self.checksums(ofPrepared: keep, work: work, name: record.id)
        }
        return Result(checksums: checksums, seconds: Date().timeIntervalSince(start))
    }

    /// The prepared copy of the chain ending at `id`: the kept one, or rebuilt from a location.
    func preparedChain(upTo id: String) async throws -> String {
        let kept = environment.work.prepared(id)
        if FileManager.default.fileExists(atPath: kept + "/" + BackupCheckpoints.checkpointsFile) { return kept }
        environment.output("rebuilding the prepared copy of the chain up to \(id) from a location")
        let catalog = try await CatalogStore(environment: environment).load()
        guard let chain = catalog.chain(to: id) else {
            throw BackupError(.notFound, "the chain up to \(id) is not complete in the catalog")
        }
        let folder = try environment.work.scratchFolder("rebuild-\(id)")
        let base = try await ChainRestorer(environment: environment).prepareChain(chain, in: folder)
        try FileManager.default.createDirectory(
            atPath: environment.work.preparedRoot, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: kept)
        try FileManager.default.moveItem(atPath: base, toPath: kept)
        try? FileManager.default.removeItem(atPath: folder)
        return kept
    }

    static func prepare(target: String, incremental: String?, log: String) throws {
        var arguments = ["--prepare", "--target-dir=\(target)"]
        if let incremental { arguments.append("--incremental-dir=\(incremental)") }
        try ToolProcess(executable: try ToolProcess.find("mariadb-backup"), arguments: arguments)
            .run(log: log, what: "mariadb-backup --prepare of \(target)")
    }

    /// Starts a scratch server on a copy of a prepared directory (a started server can take no further
    /// incrementals) and takes every table's checksum.
    static func checksums(ofPrepared prepared: String, work: WorkDirectory, name: String) async throws -> [String:
        String]
    {
        let folder = try work.scratchFolder("checksum-\(name)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = folder + "/data"
        try ToolProcess(executable: try ToolProcess.find("cp"), arguments: ["-a", "--reflink=auto", prepared, data])
            .run(log: work.log(name), what: "copying the prepared backup")
        let server = try await ScratchServer.start(dataDirectory: data, baseDirectory: folder)
        do {
            let checksums = try await TableChecks.checksums(server.clientConfiguration())
            await server.stop()
            return checksums
        } catch {
            await server.stop()
            throw error
        }
    }
}
