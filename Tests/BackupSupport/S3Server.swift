import AsyncHTTPClient
import Backup
import Foundation
import NIOCore

/// A local S3 endpoint for tests: `moto_server` (PyPI `moto[server]`) on 127.0.0.1 and a free port, with a
/// bucket created through ``S3Location/createBucket()`` (a signed PUT) and key files in its own temporary
/// directory.
///
/// moto accepts any credentials unless asked to check them: with `verifySignatures`, an IAM user with an
/// S3 policy and an access key is created first and authentication is then switched on, so that every
/// request's SigV4 signature is recomputed by botocore inside moto and a wrong one is refused.
public final class S3Server: @unchecked Sendable {
    // `process` changes only in start/halt/restart/stop, which a test calls one at a time.
    public let directory: TemporaryDirectory
    public let port: Int
    public let bucket: String
    public let region = "us-east-1"
    public let verifiesSignatures: Bool
    public let accessKeyFile: String
    public let secretKeyFile: String
    public let httpClient: HTTPClient
    private let ownsClient: Bool
    private var process: ServerProcess?

    public var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private init(
        directory: TemporaryDirectory, port: Int, bucket: String, verifySignatures: Bool, httpClient: HTTPClient,
        ownsClient: Bool
    ) {
        self.directory = directory
        self.ownsClient = ownsClient
        self.port = port
        self.bucket = bucket
        self.verifiesSignatures = verifySignatures
        self.httpClient = httpClient
        accessKeyFile = directory.file("access_key")
        secretKeyFile = directory.file("secret_key")
    }

    /// Starts moto on a free port, waits until it answers and creates `bucket`. Without `httpClient`, the server
    /// brings its own (``S3Location/httpClientConfiguration(connectTimeout:)`` with a 2 s connect timeout) and
    /// shuts it down in ``stop()``.
    public static func start(
        bucket: String = "backups", verifySignatures: Bool = false, httpClient: HTTPClient? = nil
    ) async throws -> S3Server {
        let command = try motoCommand()
        var lastError: (any Error)?
        for _ in 0..<3 {
            let client = httpClient
                ?? HTTPClient(configuration: S3Location.httpClientConfiguration(connectTimeout: 2))
            let server = S3Server(
                directory: try TemporaryDirectory("s3-server"), port: try FreePort.next(), bucket: bucket,
                verifySignatures: verifySignatures, httpClient: client, ownsClient: httpClient == nil)
            do {
                try await server.launch(command)
                return server
            } catch {
                lastError = error
                await server.stop()
            }
        }
        throw lastError ?? TestServerError("moto_server did not start")
    }

    /// Runs `body` with a fresh server and stops it afterwards, whether `body` succeeded or threw.
    public static func run<T: Sendable>(
        bucket: String = "backups", verifySignatures: Bool = false, _ body: (S3Server) async throws -> T
    ) async throws -> T {
        let server = try await start(bucket: bucket, verifySignatures: verifySignatures)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// A location in `bucket` (the server's own by default).
    public func location(name: String = "s3", bucket: String? = nil, prefix: String = "") -> S3Location {
        var location = S3Location(
            name: name, endpoint: endpoint, bucket: bucket ?? self.bucket, region: region,
            accessKeyFile: accessKeyFile, secretKeyFile: secretKeyFile, prefix: prefix, httpClient: httpClient)
        // Tests that take the server down want the failure quickly, still after more than one try.
        location.retry = RetryPolicy(attempts: 3, initialDelay: 0.2, maximumDelay: 1)
        return location
    }

    public func createBucket(_ name: String) async throws {
        try await location(bucket: name).createBucket()
    }

    /// Freezes the server: connections are accepted by the kernel but never answered.
    public func pause() { process?.pause() }
    public func resume() { process?.resume() }

    /// Stops the server, so that connections are refused until ``restart()``.
    public func halt() async {
        await process?.stop()
        process = nil
    }

    /// A fresh server on the same port: nothing stored survives; the bucket (and credentials) are created
    /// again.
    public func restart() async throws {
        await halt()
        try await launch(try Self.motoCommand())
    }

    /// Stops the server (by PID), removes its directory and shuts down its own HTTP client.
    public func stop() async {
        await halt()
        directory.remove()
        if ownsClient { try? await httpClient.shutdown() }
    }

    private func launch(_ command: [String]) async throws {
        try directory.write("access_key", Data("AKIAMOTOTESTACCESS\n".utf8))
        try directory.write("secret_key", Data((UUID().uuidString + "\n").utf8))
        let server = try ServerProcess(
            name: "moto_server", executable: command[0],
            arguments: Array(command.dropFirst()) + ["-H", "127.0.0.1", "-p", String(port)],
            logFile: directory.file("moto.log"))
        process = server
        let client = httpClient
        let root = "http://127.0.0.1:\(port)/moto-api/"
        try await server.wait(
            until: {
                guard let response = try? await client.execute(HTTPClientRequest(url: root), timeout: .seconds(2))
                else { return false }
                return response.status.code < 500
            }, timeout: 60, what: "on 127.0.0.1:\(port)")
        if verifiesSignatures { try await enableAuthentication() }
        try await createBucket(bucket)
    }

    /// Creates an IAM user allowed `s3:*`, stores its access key in the key files and makes moto check every
    /// request's signature from then on.
    private func enableAuthentication() async throws {
        try await iam(["Action": "CreateUser", "UserName": "backup"])
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        try await iam(["Action": "PutUserPolicy", "UserName": "backup", "PolicyName": "s3", "PolicyDocument": policy])
        let answer = try await iam(["Action": "CreateAccessKey", "UserName": "backup"])
        guard let accessKey = Self.element("AccessKeyId", in: answer),
            let secretKey = Self.element("SecretAccessKey", in: answer)
        else { throw TestServerError("moto's CreateAccessKey answered without a key: \(answer.prefix(200))") }
        try directory.write("access_key", Data((accessKey + "\n").utf8))
        try directory.write("secret_key", Data((secretKey + "\n").utf8))
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/moto-api/reset-auth")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: "0"))
        let response = try await httpClient.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw TestServerError("moto reset-auth answered \(response.status)") }
    }

    /// One IAM query API call; moto routes it by the service named in the credential scope.
    @discardableResult
    private func iam(_ parameters: [String: String]) async throws -> String {
        var fields = parameters
        fields["Version"] = "2010-05-08"
        let body = fields.sorted { $0.key < $1.key }
            .map { field in
                SigV4Signer.uriEncode(field.key, encodeSlash: true) + "="
                    + SigV4Signer.uriEncode(field.value, encodeSlash: true)
            }
            .joined(separator: "&")
        let signer = SigV4Signer(accessKey: "AKIAMOTOSETUP", secretKey: "setup", region: region, service: "iam")
        let signed = signer.sign(
            method: "POST", path: "/",
            headers: [
                ("Host", "127.0.0.1:\(port)"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ],
            payloadHash: SigV4Signer.hexSHA256(Data(body.utf8)), date: Date())
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/")
        request.method = .POST
        for header in signed.headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await httpClient.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else {
            let action = parameters["Action"] ?? ""
            throw TestServerError("moto IAM \(action) answered \(response.status): \(text.prefix(300))")
        }
        return text
    }

    private static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"),
            let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    /// How to run moto: `$MOTO_SERVER`, `.venv-backup/bin/moto_server` under the package, `moto_server` in
    /// PATH, or `python3 -m moto.server`.
    static func motoCommand() throws -> [String] {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["MOTO_SERVER"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw TestServerError("MOTO_SERVER=\(path) is not an executable file")
            }
            return [path]
        }
        let venv = packageRoot + "/.venv-backup/bin/moto_server"
        if FileManager.default.isExecutableFile(atPath: venv) { return [venv] }
        if let onPath = Programs.find("moto_server") { return [onPath] }
        if let python = Programs.find("python3"), (try? Programs.run(python, ["-c", "import moto.server"])) != nil {
            return [python, "-m", "moto.server"]
        }
        throw TestServerError(
            "moto_server not found: python3 -m venv .venv-backup && .venv-backup/bin/pip install 'moto[server]' "
                + "(or scripts/backup-test-deps.sh, or set MOTO_SERVER)")
    }

    /// The package directory: this file is `<root>/Tests/BackupSupport/S3Server.swift`.
    static let packageRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()
}
