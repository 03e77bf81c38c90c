import Foundation

/// A backup location in a local (or locally mounted) directory.
///
/// Objects are plain files under `path`, directories are created as needed with mode 0700, and every upload
/// is written to `key.partial`, fsynced, renamed over `key`, and the directory fsynced, so a crash leaves
/// either the old object or the new one.
public struct PosixLocation: BackupLocation, LocationErrorContext {
    public let name: String
    /// The absolute directory that holds the objects.
    public let path: String
    public var kind: String { "posix" }

    public init(name: String, path: String) {
        self.name = name
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    public func put(_ key: String, fromFile source: String) async throws -> UInt64 {
        let target = try file(for: key)
        return try await LocalFiles.offload { [self] in
            try store(key, at: target) { partial in
                do {
                    return try LocalFiles.copy(source, to: partial)
                } catch let error as SystemCallError where error.path == source {
                    throw failure(key, error, local: true)
                }
            }
        }
    }

    public func put(_ key: String, data: Data) async throws {
        let target = try file(for: key)
        _ = try await LocalFiles.offload { [self] in
            try store(key, at: target) { partial in
                try LocalFiles.writeFile(data, to: partial)
                return UInt64(data.count)
            }
        }
    }

    public func get(_ key: String, toFile destination: String) async throws -> UInt64 {
        let source = try file(for: key)
        return try await LocalFiles.offload { [self] in
            let special = LocalFiles.isSpecial(destination)
            let partial = special ? destination : destination + LocationKey.partialSuffix
            do {
                guard try LocalFiles.regularFile(source) != nil else { throw notFound(key) }
                let size = try LocalFiles.copy(source, to: partial)
                if !special { try LocalFiles.move(partial, to: destination) }
                return size
            } catch let error as SystemCallError {
                if !special { _ = try? LocalFiles.removeFile(partial) }
                throw failure(key, error, local: error.path != source)
            }
        }
    }

    public func get(_ key: String) async throws -> Data {
        let source = try file(for: key)
        return try await LocalFiles.offload { [self] in
            do {
                guard try LocalFiles.regularFile(source) != nil else { throw notFound(key) }
                return try LocalFiles.readAll(source)
            } catch let error as SystemCallError {
                throw failure(key, error)
            }
        }
    }

    public func list(prefix: String) async throws -> [LocationObject] {
        if let problem = LocationKey.problem(withPrefix: prefix) {
            throw LocationError(.invalidKey, location: name, kind: kind, key: prefix, path: path, message: problem)
        }
        try requireAbsoluteRoot()
        return try await LocalFiles.offload { [self] in
            // Only the directory the prefix names completely needs walking ("backups/2026" → "backups/").
            let start = prefix.contains("/") ? String(prefix[...prefix.lastIndex(of: "/")!]) : ""
            var objects: [LocationObject] = []
            do {
                try walk(relative: String(start.dropLast(start.isEmpty ? 0 : 1)), into: &objects)
            } catch let error as SystemCallError {
                throw failure(nil, error)
            }
            return objects.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }
        }
    }

    public func delete(_ key: String) async throws {
        let target = try file(for: key)
        try await LocalFiles.offload { [self] in
            do {
                guard try LocalFiles.removeFile(target) else { return }
                let directory = LocalFiles.parent(of: target)
                try LocalFiles.syncDirectory(directory)
                LocalFiles.removeEmptyDirectories(from: directory, upTo: path)
            } catch let error as SystemCallError {
                throw failure(key, error)
            }
        }
    }

    public func exists(_ key: String) async throws -> Bool {
        let target = try file(for: key)
        return try await LocalFiles.offload { [self] in
            do {
                return try LocalFiles.regularFile(target) != nil
            } catch let error as SystemCallError {
                throw failure(key, error)
            }
        }
    }

    public func check() async throws {
        try await LocationProbe.run(on: self)
    }

    public func freeSpace() async throws -> (free: UInt64, total: UInt64)? {
        try requireAbsoluteRoot()
        return try await LocalFiles.offload { [self] in
            do {
                return try LocalFiles.space(at: path)
            } catch let error as SystemCallError {
                throw failure(nil, error)
            }
        }
    }
}

extension PosixLocation {
    /// The file that holds `key`, after checking the key and the configured root.
    func file(for key: String) throws -> String {
        if let problem = LocationKey.problem(with: key) {
            throw LocationError(.invalidKey, location: name, kind: kind, key: key, path: path, message: problem)
        }
        try requireAbsoluteRoot()
        return path == "/" ? "/" + key : path + "/" + key
    }

    func requireAbsoluteRoot() throws {
        guard path.hasPrefix("/") else {
            throw LocationError(
                .invalidConfiguration, location: name, kind: kind, path: path,
                message: "the path must be absolute")
        }
    }

    /// Writes through `write` into `key.partial`, then renames it over the target and fsyncs the directory.
    func store(_ key: String, at target: String, write: (String) throws -> UInt64) throws -> UInt64 {
        let partial = target + LocationKey.partialSuffix
        let directory = LocalFiles.parent(of: target)
        do {
            do {
                try LocalFiles.makeDirectories(directory)
            } catch let error as SystemCallError where error.errno == ENOTDIR {
                let blocking = String(error.path.dropFirst(path.count + 1))
                throw locationError(
                    .invalidKey, key: key,
                    message: "'\(blocking)' is an object, so nothing can be stored below it")
            }
            let size = try write(partial)
            try LocalFiles.move(partial, to: target)
            try LocalFiles.syncDirectory(directory)
            return size
        } catch {
            _ = try? LocalFiles.removeFile(partial)
            if let error = error as? SystemCallError { throw failure(key, error) }
            throw error
        }
    }

    /// Collects the regular files below `relative` (skipping uploads in progress) as objects.
    func walk(relative: String, into objects: inout [LocationObject]) throws {
        let directory = relative.isEmpty ? path : path + "/" + relative
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            if LocalFiles.isDirectory(directory) { throw SystemCallError("opendir", directory, errno: EACCES) }
            return
        }
        for name in names {
            let key = relative.isEmpty ? name : relative + "/" + name
            let full = path + "/" + key
            if LocalFiles.isDirectory(full, followingLinks: false) {
                try walk(relative: key, into: &objects)
            } else if !name.hasSuffix(LocationKey.partialSuffix), let file = try LocalFiles.regularFile(full) {
                objects.append(LocationObject(key: key, size: file.size, modified: file.modified))
            }
        }
    }

    func notFound(_ key: String) -> LocationError {
        locationError(.notFound, key: key, message: "no such object")
    }

    func locationError(_ code: LocationError.Code, key: String?, message: String) -> LocationError {
        LocationError(code, location: name, kind: kind, key: key, path: path, message: message)
    }

    /// Maps a system call's failure; `local` marks the caller's own file (upload source, download target).
    func failure(_ key: String?, _ error: SystemCallError, local: Bool = false) -> LocationError {
        let code: LocationError.Code
        if local {
            code = .io
        } else if error.isMissing {
            code = .notFound
        } else if error.isDenied {
            code = .denied
        } else if error.isNoSpace {
            code = .noSpace
        } else {
            code = .io
        }
        let subject = local ? "local file: " : ""
        return LocationError(
            code, location: name, kind: kind, key: key, path: path, message: subject + error.description,
            underlying: error)
    }
}
