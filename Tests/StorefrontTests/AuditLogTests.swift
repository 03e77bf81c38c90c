import AuditTrail
import Foundation
import Storefront
import Testing

/// The application audit log: what the shop records, and that any change to the file is found.
@Suite struct AuditLogTests {
    static func folder() throws -> String {
        let folder = NSTemporaryDirectory() + "audit-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func signInsSignOutsAndAdminCallsAreRecordedAndChained() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/audit.log"
        let keyFile = folder + "/audit.key"
        FileManager.default.createFile(
            atPath: keyFile, contents: Data(repeating: 7, count: 32),
            attributes: [.posixPermissions: 0o600])
        let audit = try AuditLog(path: path, keyFile: keyFile)
        let harness = try await ShopHarness.make(.sqlite, audit: audit)
        do {
            try await harness.withClient { shop in
                let id = try await shop.customer("audited@example.com")
                _ = try await shop.signIn("audited@example.com", "Not-the-password-1")
                _ = try await shop.request(.delete, "/sessions/current")
                _ = try await shop.product("AUD-1")
                _ = try await shop.request(
                    .post, "/admin/categories", json: #"{"name": "n", "slug": "n"}"#,
                    admin: true, key: "wrong-key-000000000")
                #expect(id > 0)
            }
        } catch {
            await harness.cleanup()
            throw error
        }
        await harness.cleanup()

        let records = try Self.lines(path).map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)) }
        let summary = records.map { "\($0.actor) \($0.action) \($0.object) \($0.outcome)" }
        #expect(
            summary == [
                "anonymous customer.create customer:1 ok",
                "customer:1 signin customer:1 ok",
                "anonymous signin customer:1 failed: wrong password",
                "customer:1 signout customer:1 ok",
                "admin:admin POST /admin/products  201",
                "anonymous POST /admin/categories  unauthorized",
            ], "\(summary)")
        #expect(records.allSatisfy { $0.client == "local" && !$0.requestID.isEmpty })
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("Not-the-password-1") && !text.contains(ShopClient.password))
        #expect(!text.contains("audited@example.com"), "no email in the audit log")

        let intact = try AuditVerifier.verify(path: path, keyFile: keyFile)
        #expect(intact.problem == nil && intact.records == 6)
        // Without the key the HMAC chain cannot be recomputed: verification fails rather than passing.
        #expect(try AuditVerifier.verify(path: path, keyFile: nil).problem != nil)

        // A reopened log continues the chain.
        let again = try AuditLog(path: path, keyFile: keyFile)
        again.record(
            actor: "admin:ops", action: "GET /admin/database", outcome: "200", client: "10.0.0.9",
            requestID: "r1", logger: .init(label: "test"))
        #expect(try AuditVerifier.verify(path: path, keyFile: keyFile).records == 7)
    }

    @Test(arguments: ["edit", "delete", "insert", "reorder"])
    func anyChangeToTheFileBreaksTheChain(change: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/audit.log"
        let audit = try AuditLog(path: path, keyFile: nil)
        for n in 1...5 {
            audit.record(
                actor: "customer:\(n)", action: "signin", object: "customer:\(n)", outcome: "ok",
                client: "127.0.0.1", requestID: "r\(n)", logger: .init(label: "test"))
        }
        #expect(try AuditVerifier.verify(path: path, keyFile: nil).problem == nil)
        var lines = try Self.lines(path)
        switch change {
        case "edit": lines[2] = lines[2].replacingOccurrences(of: "customer:3", with: "customer:4")
        case "delete": lines.remove(at: 2)
        case "insert": lines.insert(lines[1], at: 2)
        default: lines.swapAt(1, 2)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let report = try AuditVerifier.verify(path: path, keyFile: nil)
        let problem = try #require(report.problem, "\(change) went unnoticed")
        #expect(problem.contains(path + ":"), "names the file and line: \(problem)")
        #expect(report.records < 5)
    }

    @Test func aKeyFileOthersCanReadIsRefused() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keyFile = folder + "/audit.key"
        FileManager.default.createFile(
            atPath: keyFile, contents: Data(repeating: 1, count: 32),
            attributes: [.posixPermissions: 0o644])
        let error = try #require(throws: AuditTrailError.self) {
            try AuditLog(path: folder + "/audit.log", keyFile: keyFile)
        }
        #expect(error.description.contains(keyFile) && error.description.contains("chmod 600"))
    }
}
