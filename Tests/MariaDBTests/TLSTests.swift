import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// TLS against real servers with certificates generated for the test: the verify modes really verify.
@Suite struct TLSTests {
    /// Runs `body` with two TLS servers: one whose certificate names 127.0.0.1, one with another name.
    func withServers(_ body: (TestCertificates, MariaDBServer, MariaDBServer) async throws -> Void) async throws {
        let certs = try TestCertificates.generate()
        defer { certs.remove() }
        var good = MariaDBServer.Options()
        good.tls = certs.serverFiles
        var wrong = MariaDBServer.Options()
        wrong.tls = certs.wrongNameServerFiles
        let goodServer = try await MariaDBServer.start(good)
        do {
            let wrongServer = try await MariaDBServer.start(wrong)
            do {
                try await body(certs, goodServer, wrongServer)
            } catch {
                try? await wrongServer.stop()
                throw error
            }
            try await wrongServer.stop()
        } catch {
            try? await goodServer.stop()
            throw error
        }
        try await goodServer.stop()
    }

    func configuration(_ server: MariaDBServer, _ mode: MariaDBConfiguration.TLS.Mode, ca: String?) -> MariaDBConfiguration {
        var c = server.adminConfiguration()
        c.tls = .init(mode: mode, caFile: ca)
        return c
    }

    @Test func verifyModesCheckChainAndName() async throws {
        try await withServers { certs, good, wrong in
            // Encrypted when asked, plain when disabled.
            for mode in [MariaDBConfiguration.TLS.Mode.prefer, .require] {
                let db = try await MariaDBConnection.connect(configuration(good, mode, ca: nil))
                #expect(db.tlsVersion?.hasPrefix("TLSv1") == true, "\(mode)")
                #expect(try await db.query("SELECT 1").rows.count == 1)
                try await db.close()
            }
            let plain = try await MariaDBConnection.connect(configuration(good, .disable, ca: nil))
            #expect(plain.tlsVersion == nil)
            try await plain.close()
            // The server sees the session as encrypted.
            let secured = try await MariaDBConnection.connect(configuration(good, .verifyIdentity, ca: certs.caFile))
            let cipher = try await secured.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").rows[0].decode(1, as: String.self)
            #expect(!cipher.isEmpty)
            try await secured.close()
            // verify-ca: right CA passes even for the wrongly named certificate; an unrelated CA fails.
            try await MariaDBConnection.connect(configuration(good, .verifyCA, ca: certs.caFile)).close()
            try await MariaDBConnection.connect(configuration(wrong, .verifyCA, ca: certs.caFile)).close()
            let untrusted = try await #require(throws: MariaDBError.self) {
                try await MariaDBConnection.connect(configuration(good, .verifyCA, ca: certs.otherCAFile))
            }
            #expect(untrusted.code == .tls, "\(untrusted)")
            // verify-identity: also the name must match the host we dialled.
            let wrongName = try await #require(throws: MariaDBError.self) {
                try await MariaDBConnection.connect(configuration(wrong, .verifyIdentity, ca: certs.caFile))
            }
            #expect(wrongName.code == .tls, "\(wrongName)")
            let untrustedIdentity = try await #require(throws: MariaDBError.self) {
                try await MariaDBConnection.connect(configuration(good, .verifyIdentity, ca: certs.otherCAFile))
            }
            #expect(untrustedIdentity.code == .tls)
        }
    }

    @Test func verifyModesRefuseAServerWithoutTLS() async throws {
        let certs = try TestCertificates.generate()
        defer { certs.remove() }
        let server = try await MariaDBServer.start()
        do {
            for mode in [MariaDBConfiguration.TLS.Mode.verifyCA, .verifyIdentity] {
                let error = try await #require(throws: MariaDBError.self) {
                    try await MariaDBConnection.connect(configuration(server, mode, ca: certs.caFile))
                }
                #expect(error.code == .tls, "\(mode): \(error)")
            }
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test func missingCAFileIsAConfigurationError() async throws {
        var c = MariaDBConfiguration(username: "u")
        c.tls = .init(mode: .verifyIdentity, caFile: "/nonexistent/ca.pem")
        let error = try await #require(throws: MariaDBError.self) { try await MariaDBConnection.connect(c) }
        #expect(error.code == .configuration)
        #expect(error.description.contains("/nonexistent/ca.pem"))
    }
}
