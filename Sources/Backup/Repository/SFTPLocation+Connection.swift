import Foundation

extension SFTPLocation {
    /// `user@host:port`, as errors name the server.
    var serverName: String { "\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// The remote directory without a trailing slash.
    var root: String { path }

    /// The remote path of `key`, after checking the key and the configuration.
    func remote(_ key: String) throws -> String {
        if let problem = LocationKey.problem(with: key) {
            throw locationError(.invalidKey, key: key, message: problem)
        }
        try validateConfiguration()
        return root == "/" ? "/" + key : root + "/" + key
    }

    /// The directories an upload of `key` needs, outermost first: the root's own components (creating a
    /// missing root is allowed; creating an existing directory just fails quietly) and the key's parents.
    func directories(toward key: String, includingRoot: Bool = true) -> [String] {
        var result: [String] = []
        var current = root.hasPrefix("/") ? "" : nil as String?
        if includingRoot, root != "/" {
            for component in root.split(separator: "/") {
                current = current.map { $0 + "/" + component } ?? String(component)
                result.append(current!)
            }
        }
        var parent = root == "/" ? "" : root
        for component in key.split(separator: "/").dropLast() {
            parent += "/" + component
            result.append(parent)
        }
        return result
    }

    func transferTimeout(_ size: UInt64) -> TimeInterval {
        commandTimeout + TimeInterval(size) / TimeInterval(max(1, minimumTransferRate))
    }

    func validateConfiguration() throws {
        func refuse(_ message: String) -> LocationError {
            locationError(.invalidConfiguration, key: nil, message: message)
        }
        if host.isEmpty || host.hasPrefix("-") || host.contains(where: { $0.isWhitespace || $0 == "@" }) {
            throw refuse("the host '\(host)' is not a host name or address")
        }
        if user.isEmpty || user.hasPrefix("-") || user.contains(where: { $0.isWhitespace || $0 == "@" }) {
            throw refuse("the user '\(user)' is not a user name")
        }
        guard (1...65535).contains(port) else { throw refuse("the port \(port) is out of range") }
        if let problem = SFTPBatch.problem(with: path) { throw refuse("remote path: \(problem)") }
        guard FileManager.default.isReadableFile(atPath: identityFile) else {
            throw refuse("the identity file \(identityFile) does not exist or is not readable")
        }
        // ssh splits option values at white space and expands % tokens in this one.
        if knownHostsFile.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "%" }) {
            throw refuse("the known hosts file path \(knownHostsFile) contains white space, '\"' or '%'")
        }
        guard FileManager.default.isReadableFile(atPath: knownHostsFile) else {
            throw refuse("the known hosts file \(knownHostsFile) does not exist or is not readable")
        }
    }

    /// The listing entry for one remote path, nil when nothing is there.
    func entry(_ remotePath: String, key: String) async throws -> SFTPListing.Entry? {
        var batch = SFTPBatch()
        batch.add("ls -lna", remotePath)
        let output = try await run(batch, key: key, timeout: commandTimeout)
        if output.status != 0 {
            let error = failure(output, key: key, during: "stat")
            if error.code == .notFound { return nil }
            throw error
        }
        return SFTPListing.entries(in: output.standardOutput).first { $0.path == remotePath }
    }

    /// Runs one batch over one connection. A non-zero exit is returned, not thrown: what it means depends on the batch.
    func run(_ batch: SFTPBatch, key: String?, timeout: TimeInterval) async throws -> ProcessOutput {
        try validateConfiguration()
        let executable = try sftpProgram()
        do {
            return try await ProcessRunner.run(
                executable, arguments, input: Data(batch.text.utf8), environment: Self.environment,
                timeout: timeout)
        } catch {
            throw locationError(.invalidConfiguration, key: key, message: "cannot run \(executable): \(error)")
        }
    }

    var arguments: [String] {
        [
            "-b", "-", "-F", "none", "-i", identityFile, "-P", String(port),
            "-o", "UserKnownHostsFile=\(knownHostsFile)", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "UpdateHostKeys=no", "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
            "-o", "ConnectTimeout=\(connectTimeout)", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
            "\(user)@\(host.contains(":") ? "[\(host)]" : host)",
        ]
    }

    /// The process environment without an agent or askpass program (nothing may prompt or offer other keys),
    /// with the C locale and UTC so that messages and listing dates read the same everywhere.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["SSH_AUTH_SOCK", "SSH_ASKPASS", "DISPLAY", "LANGUAGE"] { environment[name] = nil }
        environment["LC_ALL"] = "C"
        environment["TZ"] = "UTC"
        environment["SSH_ASKPASS_REQUIRE"] = "never"
        return environment
    }

    func sftpProgram() throws -> String {
        if let sftpExecutable { return sftpExecutable }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/sftp") {
            return directory + "/sftp"
        }
        throw locationError(
            .invalidConfiguration, key: nil,
            message: "the sftp program is not installed (apt-get install -y openssh-client)")
    }

    func locationError(_ code: LocationError.Code, key: String?, message: String) -> LocationError {
        LocationError(code, location: name, kind: kind, key: key, host: serverName, path: path, message: message)
    }
}
