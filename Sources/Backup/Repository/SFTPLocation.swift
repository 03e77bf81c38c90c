import Foundation

/// A backup location on an SFTP server, reached with OpenSSH's `sftp` client in batch mode.
///
/// Each operation runs `sftp -b -` (once, or once per directory level for a listing) with its commands on
/// standard input: strict host key checking against `knownHostsFile`, key authentication with `identityFile`
/// only, no prompts, no user or system `ssh_config`. Uploads go to `key.partial` and are renamed over `key`
/// (OpenSSH servers rename atomically; for servers whose rename does not overwrite, the old object is removed
/// first), then listed to confirm the stored size. A server that stops answering is given up on after
/// `connectTimeout` while connecting and after 15 s without keep-alive answers once connected.
public struct SFTPLocation: BackupLocation, LocationErrorContext {
    public let name: String
    public let host: String
    public let port: Int
    public let user: String
    /// The private key for authentication (its passphrase, if any, cannot be entered: batch mode).
    public let identityFile: String
    /// The `known_hosts` file that must hold the server's host key (`[host]:port key` for a non-22 port).
    public let knownHostsFile: String
    /// The remote directory that holds the objects, absolute or relative to the login directory.
    public let path: String
    /// Seconds allowed for the TCP connection and the SSH banner.
    public var connectTimeout: Int
    /// The longest a connection that moves no object data may take.
    public var commandTimeout: TimeInterval = 120
    /// Transfers may additionally take their size divided by this rate (bytes per second).
    public var minimumTransferRate: UInt64 = 1 << 20
    /// The `sftp` program; found in `PATH` (and /usr/bin) when nil.
    public var sftpExecutable: String?

    public var kind: String { "sftp" }

    public init(
        name: String, host: String, port: Int = 22, user: String, identityFile: String, knownHostsFile: String,
        path: String, connectTimeout: Int = 10
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.user = user
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        self.connectTimeout = connectTimeout
    }

    public func put(_ key: String, fromFile source: String) async throws -> UInt64 {
        let target = try remote(key)
        if let problem = SFTPBatch.problem(with: source) {
            throw locationError(.io, key: key, message: "local file \(source) cannot be passed to sftp: \(problem)")
        }
        let size: UInt64
        do {
            size = try LocalFiles.fileSize(source)
        } catch {
            throw locationError(.io, key: key, message: "local file: \(error)")
        }
        let partial = target + LocationKey.partialSuffix
        var batch = SFTPBatch()
        for directory in directories(toward: key) { batch.add("mkdir", directory, mayFail: true) }
        batch.add("put", source, partial)
        batch.add("rename", partial, target)
        let rename = batch.lines.last
        batch.add("ls -lna", target)
        var output = try await run(batch, key: key, timeout: transferTimeout(size))
        if output.status != 0, batch.lastStarted(in: output.standardOutput) == rename {
            // The server's rename does not replace an existing file (no posix-rename extension).
            var replace = SFTPBatch()
            replace.add("rm", target, mayFail: true)
            replace.add("rename", partial, target)
            replace.add("ls -lna", target)
            output = try await run(replace, key: key, timeout: commandTimeout)
        }
        guard output.status == 0 else {
            var error = failure(output, key: key, during: "upload")
            if error.code == .notFound {
                // The directories were created just before: missing now means they cannot be.
                error.code = .invalidConfiguration
                error.message = "upload: the remote directory does not exist and cannot be created: "
                    + (Self.meaningfulLines(output.standardError).last ?? "")
            }
            // Without a working connection there is nothing to clean up, and trying would double the wait.
            let connected = ![.unreachable, .timeout, .hostKeyMismatch].contains(error.code)
                && !error.message.hasPrefix("upload: authentication")
            if connected {
                var cleanup = SFTPBatch()
                cleanup.add("rm", partial, mayFail: true)
                _ = try? await run(cleanup, key: key, timeout: commandTimeout)
            }
            throw error
        }
        guard let stored = SFTPListing.entries(in: output.standardOutput).first(where: { $0.path == target }),
            stored.isFile
        else {
            throw locationError(.protocolError, key: key, message: "the uploaded object is not listed after rename")
        }
        guard stored.size == size else {
            throw locationError(.integrity, key: key, message: "stored \(stored.size) bytes of \(size)")
        }
        return size
    }

    public func put(_ key: String, data: Data) async throws {
        _ = try remote(key)
        let staging = try StagingDirectory(location: self, key: key)
        defer { staging.remove() }
        let file = try staging.write(data)
        _ = try await put(key, fromFile: file)
    }

    public func get(_ key: String, toFile destination: String) async throws -> UInt64 {
        let source = try remote(key)
        if let problem = SFTPBatch.problem(with: destination) {
            throw locationError(
                .io, key: key, message: "local file \(destination) cannot be passed to sftp: \(problem)")
        }
        guard let listed = try await entry(source, key: key), listed.isFile else {
            throw locationError(.notFound, key: key, message: "no such object")
        }
        if LocalFiles.isSpecial(destination) {
            // sftp checks what it wrote by its size; a device or pipe gets the checked copy.
            let staging = try StagingDirectory(location: self, key: key)
            defer { staging.remove() }
            let size = try await get(key, toFile: staging.file)
            do {
                _ = try await LocalFiles.offload { try LocalFiles.copy(staging.file, to: destination) }
            } catch {
                throw locationError(.io, key: key, message: "local file: \(error)")
            }
            return size
        }
        let partial = destination + LocationKey.partialSuffix
        var batch = SFTPBatch()
        batch.add("get", source, partial)
        let output = try await run(batch, key: key, timeout: transferTimeout(listed.size))
        do {
            guard output.status == 0 else { throw failure(output, key: key, during: "download") }
            let size = try LocalFiles.fileSize(partial)
            guard size == listed.size else {
                throw locationError(.integrity, key: key, message: "downloaded \(size) bytes of \(listed.size)")
            }
            try LocalFiles.move(partial, to: destination)
            return size
        } catch {
            _ = try? LocalFiles.removeFile(partial)
            if error is LocationError { throw error }
            throw locationError(.io, key: key, message: "local file: \(error)")
        }
    }

    public func get(_ key: String) async throws -> Data {
        _ = try remote(key)
        let staging = try StagingDirectory(location: self, key: key)
        defer { staging.remove() }
        let file = staging.file
        _ = try await get(key, toFile: file)
        do {
            return try LocalFiles.readAll(file)
        } catch {
            throw locationError(.io, key: key, message: "local file: \(error)")
        }
    }

    public func list(prefix: String) async throws -> [LocationObject] {
        if let problem = LocationKey.problem(withPrefix: prefix) {
            throw locationError(.invalidKey, key: prefix, message: problem)
        }
        try validateConfiguration()
        let base = root == "/" ? "" : root
        let startKey = prefix.contains("/") ? String(prefix[..<prefix.lastIndex(of: "/")!]) : ""
        var level = [startKey.isEmpty ? (root == "/" ? "/" : root) : base + "/" + startKey]
        var objects: [LocationObject] = []
        // One connection per directory level: sftp cannot list recursively, backups are a few levels deep.
        while !level.isEmpty {
            var batch = SFTPBatch()
            for directory in level { batch.add("ls -lna", directory, mayFail: true) }
            let output = try await run(batch, key: nil, timeout: commandTimeout)
            if output.status != 0 || output.standardError.contains("Permission denied") {
                throw failure(output, key: prefix.isEmpty ? nil : prefix, during: "list")
            }
            var next: [String] = []
            for entry in SFTPListing.entries(in: output.standardOutput) {
                guard entry.path.hasPrefix(base + "/"), !entry.path.hasSuffix("/."), !entry.path.hasSuffix("/..")
                else { continue }
                let key = String(entry.path.dropFirst(base.count + 1))
                if entry.isDirectory {
                    if (key + "/").hasPrefix(prefix) || prefix.hasPrefix(key + "/") { next.append(entry.path) }
                } else if entry.isFile, key.hasPrefix(prefix), !key.hasSuffix(LocationKey.partialSuffix) {
                    objects.append(LocationObject(key: key, size: entry.size, modified: entry.modified))
                }
            }
            level = next
        }
        return objects.sorted { $0.key < $1.key }
    }

    public func delete(_ key: String) async throws {
        let target = try remote(key)
        var batch = SFTPBatch()
        batch.add("rm", target)
        // Empty directories left behind are removed; a directory still in use refuses, which is fine.
        for directory in directories(toward: key, includingRoot: false).reversed() {
            batch.add("rmdir", directory, mayFail: true)
        }
        let output = try await run(batch, key: key, timeout: commandTimeout)
        guard output.status != 0 else { return }
        let error = failure(output, key: key, during: "delete")
        if error.code == .notFound { return }
        throw error
    }

    public func exists(_ key: String) async throws -> Bool {
        let target = try remote(key)
        return try await entry(target, key: key)?.isFile ?? false
    }

    public func check() async throws {
        try await LocationProbe.run(on: self)
    }

    public func freeSpace() async throws -> (free: UInt64, total: UInt64)? {
        try validateConfiguration()
        var batch = SFTPBatch()
        // The directory may not exist yet; the login directory is then on the same server.
        batch.add("df", root, mayFail: true)
        batch.add("df", ".", mayFail: true)
        let output = try await run(batch, key: nil, timeout: commandTimeout)
        guard output.status == 0 else { throw failure(output, key: nil, during: "df") }
        return SFTPListing.diskFree(in: output.standardOutput)
    }
}
