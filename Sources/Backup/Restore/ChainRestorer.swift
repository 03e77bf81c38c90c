import Foundation

/// Turns a chain (a full and its incrementals, in order) stored in a location back into one prepared data
/// directory: each object downloaded and checked against its record, decrypted into `mbstream -x`, the full
/// prepared, then each incremental applied in order.
struct ChainRestorer: Sendable {
    let environment: BackupEnvironment

    /// Prepares the chain inside `folder`; returns the prepared directory. Downloads come from `location`, or
    /// from the first location holding each backup.
    func prepareChain(_ chain: [BackupRecord], in folder: String, from location: (any BackupLocation)? = nil)
        async throws -> String {
        guard let full = chain.first, full.kind == .full else {
            throw BackupError(.integrity, "a chain must start with a full backup")
        }
        let base = folder + "/base"
        for (index, record) in chain.enumerated() {
            let source = try pick(location, for: record)
            let target = index == 0 ? base : folder + "/incr-\(index)"
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            for object in record.objects {
                let encrypted = folder + "/object.sealed"
                try await Vault(environment: environment).download(object, from: source, to: encrypted)
                try await Extractor(environment: environment).extract(object, file: encrypted, into: target)
                try? FileManager.default.removeItem(atPath: encrypted)
            }
            environment.output("restored \(record.id) (\(record.kind.rawValue)) from \(source.name)")
            try PreparedCopy.prepare(target: base, incremental: index == 0 ? nil : target,
                                     log: environment.work.log("restore"))
            if index > 0 { try? FileManager.default.removeItem(atPath: target) }
        }
        return base
    }

    func pick(_ preferred: (any BackupLocation)?, for record: BackupRecord) throws -> any BackupLocation {
        if let preferred {
            guard record.locations[preferred.name]?.status == .stored else {
                throw BackupError(.notFound, "backup \(record.id) is not stored in \(preferred.name)")
            }
            return preferred
        }
        guard let location = environment.locations.first(where: { record.locations[$0.name]?.status == .stored })
        else { throw BackupError(.notFound, "backup \(record.id) is stored in no location") }
        return location
    }
}
