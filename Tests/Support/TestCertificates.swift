import Foundation
import MariaDBServer

/// Certificates for TLS tests, generated with the openssl CLI into a private folder: a CA, a server
/// certificate for 127.0.0.1/localhost, a server certificate for another name, and an unrelated CA.
public struct TestCertificates: Sendable {
    public let directory: String
    public var caFile: String { directory + "/ca.pem" }
    public var otherCAFile: String { directory + "/other-ca.pem" }
    /// Valid for IP 127.0.0.1 and DNS localhost, signed by `caFile`.
    public var serverFiles: ServerConfigFile.TLSFiles {
        .init(caFile: caFile, certificateFile: directory + "/server.pem", keyFile: directory + "/server-key.pem")
    }
    /// Signed by `caFile` but issued to `db.other.example` only.
    public var wrongNameServerFiles: ServerConfigFile.TLSFiles {
        .init(caFile: caFile, certificateFile: directory + "/wrong.pem", keyFile: directory + "/wrong-key.pem")
    }

    public static func generate() throws -> TestCertificates {
        let directory = NSTemporaryDirectory() + "storefront-certs-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certs = TestCertificates(directory: directory)
        func openssl(_ arguments: [String]) throws {
            let (status, output) = try ProgramRunner.run("/usr/bin/openssl", arguments, directory: directory)
            guard status == 0 else { throw MariaDBServerError("openssl \(arguments.first ?? "") failed: \(output)") }
        }
        for ca in ["ca", "other-ca"] {
            try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Storefront Test \(ca)",
                         "-keyout", "\(ca)-key.pem", "-out", "\(ca).pem", "-addext", "basicConstraints=critical,CA:TRUE",
                         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        for (name, san) in [("server", "IP:127.0.0.1,DNS:localhost"), ("wrong", "DNS:db.other.example")] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(name == "server" ? "127.0.0.1" : "db.other.example")",
                         "-keyout", "\(name)-key.pem", "-out", "\(name).csr"])
            try String("subjectAltName=\(san)\nextendedKeyUsage=serverAuth\n").write(toFile: directory + "/\(name).ext", atomically: true, encoding: .utf8)
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                         "-days", "2", "-out", "\(name).pem", "-extfile", "\(name).ext"])
        }
        return certs
    }

    public func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
