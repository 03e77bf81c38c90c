import Foundation

/// `dbctl backup verify`: for each location, the catalog and every manifest (both copies), every object
/// (present, size and SHA-256 as recorded, every encrypted chunk authentic), chain closure, and binlog
/// continuity from the oldest backup's consistent point on. Every problem names the location and the object.
public struct Verifier: Sendable {
    public let environment: BackupEnvironment

    public init(environment: BackupEnvironment) { self.environment = environment }

    public struct Report: Sendable, Codable {
        public var location: String
        public var backupsChecked = 0
        public var binlogsChecked = 0
        public var objectsChecked = 0
        public var problems: [String] = []
        public var ok: Bool { problems.isEmpty }
    }

    public func verify(location: any BackupLocation, backupID: String? = nil) async throws -> Report {
        var report = Report(location: location.name)
        let store = CatalogStore(environment: environment)
        let catalog: Catalog
        do {
            let loaded = try await store.load(from: location)
            catalog = loaded.catalog
            report.problems += loaded.problems
            report.problems += try await compareCatalogCopies(location)
        } catch {
            report.problems.append("\(location.name): catalog: \(error)")
            return report
        }
        let backups = catalog.backups(in: location.name).filter { backupID == nil || $0.id == backupID }
        if let backupID, backups.isEmpty {
            report.problems.append("\(location.name): backup \(backupID) is not recorded as stored there")
        }
        for record in backups {
            report.backupsChecked += 1
            report.problems += await checkManifest(record, in: location)
            for object in record.objects {
                report.objectsChecked += 1
                if let problem = await checkObject(object, in: location) { report.problems.append(problem) }
            }
            if let parent = record.parent, catalog.backup(parent)?.locations[location.name]?.status != .stored {
                report.problems.append("\(location.name): backup \(record.id): its parent \(parent) is missing, "
                                       + "so the chain does not restore")
            }
        }
        if backupID == nil {
            let binlogs = catalog.binlogs(in: location.name)
            for record in binlogs {
                report.binlogsChecked += 1
                report.objectsChecked += 1
                if let problem = await checkObject(record.object, in: location) { report.problems.append(problem) }
            }
            report.problems += continuity(catalog, location: location.name)
        }
        return report
    }

    func compareCatalogCopies(_ location: any BackupLocation) async throws -> [String] {
        var opened: [Data] = []
        var problems: [String] = []
        for key in [Catalog.objectKey, Catalog.copyKey] {
            do {
                let sealed = try await location.get(key)
                opened.append(try SealedBlob.open(sealed, identity: Catalog.identity, keyRing: environment.keyRing))
            } catch {
                problems.append("\(location.name): \(key): \(error)")
            }
        }
        if opened.count == 2, opened[0] != opened[1] {
            problems.append("\(location.name): \(Catalog.objectKey) and \(Catalog.copyKey) differ")
        }
        return problems
    }

    func checkManifest(_ record: BackupRecord, in location: any BackupLocation) async -> [String] {
        var problems: [String] = []
        for key in [Publisher.manifestKey(record.id), Publisher.manifestCopyKey(record.id)] {
            do {
                let sealed = try await location.get(key)
                let data = try SealedBlob.open(sealed, identity: Publisher.manifestIdentity(record.id),
                                               keyRing: environment.keyRing)
                let manifest = try Catalog.decoder().decode(BackupRecord.self, from: data)
                if manifest.objects != record.objects || manifest.gtid != record.gtid {
                    problems.append("\(location.name): \(key): does not match the catalog's record of \(record.id)")
                }
            } catch {
                problems.append("\(location.name): \(key): \(error)")
            }
        }
        return problems
    }

    /// Downloads the object, checks size and digest, then decrypts it to nowhere to prove every chunk.
    func checkObject(_ object: ObjectRecord, in location: any BackupLocation) async -> String? {
        let vault = Vault(environment: environment)
        let file = environment.work.tmp + "/verify-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            try await vault.download(object, from: location, to: file)
            try await BlockingWork.run("verify") {
                guard let sink = FileHandle(forWritingAtPath: "/dev/null") else {
                    throw BackupError(.precondition, "cannot open /dev/null")
                }
                defer { try? sink.close() }
                _ = try vault.decrypt(object, file: file, into: sink)
            }
            return nil
        } catch {
            let text = Format.error(error)
            if text.hasPrefix(location.name + ":") { return text }
            return text.contains(object.key) ? "\(location.name): \(text)" : "\(location.name): \(object.key): \(text)"
        }
    }

    /// Every binlog from the one holding the oldest backup's consistent point to the newest archived one is
    /// present and continues the previous file's GTID state.
    func continuity(_ catalog: Catalog, location: String) -> [String] {
        var problems: [String] = []
        let servers = Set(catalog.binlogs.map(\.serverID))
        for server in servers.sorted() {
            let all = catalog.binlogs.filter { $0.serverID == server && $0.locations[location]?.status != .expired }
            let stored = Set(catalog.binlogs(in: location).filter { $0.serverID == server }.map(\.name))
            for record in all where !stored.contains(record.name) {
                problems.append("\(location): binlog \(record.name) is missing (recorded, not stored): "
                                + "no point-in-time recovery past \(record.previousGTIDs)")
            }
            let present = all.filter { stored.contains($0.name) }
            for (previous, next) in zip(present, present.dropFirst()) {
                if next.sequence != previous.sequence + 1 {
                    problems.append("\(location): binlogs between \(previous.name) and \(next.name) are missing")
                } else if GTIDPosition(previous.endGTIDs) != GTIDPosition(next.previousGTIDs) {
                    problems.append("\(location): binlog \(next.name) starts at GTID \(next.previousGTIDs) but "
                                    + "\(previous.name) ended at \(previous.endGTIDs)")
                }
            }
        }
        return problems
    }
}
