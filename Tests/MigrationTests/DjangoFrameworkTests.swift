import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Migration
import Testing

/// The documented Django path on a shop built from a published framework (django-salesman from PyPI,
/// Tests/MigrationTests/SalesmanShop): Django's `migrate` on MariaDB creates the schema *and seeds rows*
/// (content types, permissions, the site, the project's own data migration: groups, shipping methods, a
/// banner); dbctl then loads the SQLite shop into that schema, where the source's rows replace the seeded
/// ones. Afterwards Django has nothing to do, reads the same objects, keeps numbering where SQLite would,
/// and sees no table but its own.
@Suite(.mariaDB) struct DjangoFrameworkTests {
    static let salesman = DjangoProject("SalesmanShop", venv: "salesman")

    /// Tables Django's `migrate` fills on an empty database (framework signals and the project's data migration).
    static let seededTables = ["django_content_type", "auth_permission", "auth_group", "auth_group_permissions",
                               "django_site", "shop_shippingmethod", "shop_banner"]

    /// The SQLite shop as it looks after a while in production: migrated, filled through salesman, stale
    /// content types removed (their ids now have gaps the target's seeded rows do not have).
    func salesmanSource(_ directory: String) throws -> String {
        let path = directory + "/shop.sqlite3"
        let sqlite = DjangoProject.sqlite(path)
        try Self.salesman.manage(["migrate", "-v0"], sqlite)
        try Self.salesman.manage(["fill", "--scale", "200"], sqlite)
        try Self.salesman.manage(["remove_stale_contenttypes", "--noinput", "-v0"], sqlite)
        return path
    }

    /// What a user checks after the move, on a target dbctl filled.
    func expectDjangoAgrees(source: String, target: MariaDBConfiguration, fresh: [String], directory: String) throws {
        let project = Self.salesman
        let mysql = try DjangoProject.mysql(target, directory: directory)
        // Django finds nothing to do on the migrated database…
        try project.manage(["migrate", "--check"], mysql)
        try project.manage(["makemigrations", "--check", "--dry-run"], mysql)
        // …reads exactly the objects it wrote on SQLite, and salesman resolves products, payments, extra rows…
        let before = try project.manage(["digest"], DjangoProject.sqlite(source))
        let after = try project.manage(["digest"], mysql)
        #expect(before == after, "\(DjangoProject.difference(before.split(separator: "\n").map(String.init), after.split(separator: "\n").map(String.init)))")
        // …sees only its own tables (the tool's state table is gone)…
        #expect(try project.manage(["extratables"], mysql) == "")
        let schema = try DjangoProject.schema(target)
        #expect(schema == fresh, "\(DjangoProject.difference(fresh, schema))")
        // …and the next checkout numbers its rows where SQLite would have (counters carried over, no reuse).
        let copy = directory + "/shop-copy.sqlite3"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        let onSQLite = try project.manage(["placeorder"], DjangoProject.sqlite(copy))
        let onMariaDB = try project.manage(["placeorder"], mysql)
        #expect(onSQLite == onMariaDB)
    }

    /// Seeded rows the source does not have: what the shop deleted (a shipping method, the banner) and what
    /// `remove_stale_contenttypes` removed (the content type and permissions of a model dropped in 0003).
    static let unmatchedSeeded = ["shop_shippingmethod id=3", "shop_banner id=1", "django_content_type id=", "auth_permission id="]

    @Test func salesmanShopMigratesIntoTheSchemaDjangoSeeded() throws {
        let project = Self.salesman
        _ = try project.python()
        let directory = NSTemporaryDirectory() + "salesman-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try salesmanSource(directory)

        // The documented path: the application migrates the target (which seeds rows), dbctl loads the data.
        // The schema Django created there, before dbctl touches it, is the one to end with.
        let target = try TestServer.freshDatabase("salesman")
        try project.manage(["migrate", "-v0"], try DjangoProject.mysql(target, directory: directory))
        let freshSchema = try DjangoProject.schema(target)
        let seeded = try DjangoProject.rowCounts(target, Self.seededTables)
        #expect(Self.seededTables.allSatisfy { (seeded[$0] ?? 0) > 0 }, "Django's migrate seeded: \(seeded)")

        // Seeded rows without a source counterpart stop the run before anything is written, named by key…
        var session = MigrationSession(sourcePath: source, target: target)
        let refused = try session.inspect()
        let check = refused.checks.first { $0.name == "target.seeded_rows" }
        #expect(check?.status == .failed, "\(String(describing: check))")
        for row in Self.unmatchedSeeded {
            #expect(check?.detail.contains(row) == true, "target.seeded_rows names \(row): \(check?.detail ?? "no check")")
        }
        #expect(throws: (any Error).self) { try session.execute(refused, options: MigrationOptions(), reporter: ProgressReporter(enabled: false)) }
        #expect(try DjangoProject.rowCounts(target, Self.seededTables) == seeded, "nothing was written")

        // …and with their deletion accepted, the source's rows replace every seeded row.
        session.deleteUnmatchedSeeded = true
        let inspection = try session.inspect()
        #expect(inspection.failed.isEmpty, "\(inspection.failed)")
        let report = try session.execute(inspection, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.mode == "existing")
        #expect(report.verified, "\(report.text)")
        #expect(report.stateRemoved)
        for table in Self.seededTables {
            #expect(report.text.contains("rows the target's migrations had created in \(table)"), "the report names \(table): \(report.text)")
        }
        try expectDjangoAgrees(source: source, target: target, fresh: freshSchema, directory: directory)
    }

    /// The same move as a user types it: `dbctl migrate` picks the existing schema, the dry run says which
    /// seeded rows have no source counterpart, `--delete-unmatched-seeded --execute` loads and verifies.
    @Test func salesmanShopThroughTheCommandLine() throws {
        let project = Self.salesman
        _ = try project.python()
        guard FileManager.default.isExecutableFile(atPath: ResumeTests.dbctl) else {
            throw MigrationError("\(ResumeTests.dbctl) missing: build the package (swift build) first")
        }
        let directory = NSTemporaryDirectory() + "salesman-cli-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try salesmanSource(directory)
        let target = try TestServer.freshDatabase("salesmancli")
        try project.manage(["migrate", "-v0"], try DjangoProject.mysql(target, directory: directory))
        let freshSchema = try DjangoProject.schema(target)
        let passwordFile = directory + "/pw"
        #expect(FileManager.default.createFile(atPath: passwordFile, contents: Data((target.password ?? "").utf8), attributes: [.posixPermissions: 0o600]))
        let arguments = ["migrate", "--source", source, "--target", "mysql://\(target.username)@127.0.0.1:\(target.port)/\(target.database!)",
                         "--password-file", passwordFile, "--report", directory + "/report.json"]
        // The dry run picks the existing schema and names the seeded rows the source does not have.
        let (dry, plan) = try ProgramRunner.run(ResumeTests.dbctl, arguments)
        #expect(dry == 2, "\(plan)")
        #expect(plan.contains("existing schema"), "\(plan)")
        #expect(plan.contains("✗ target.seeded_rows"), "\(plan)")
        for row in Self.unmatchedSeeded { #expect(plan.contains(row), "the plan names \(row): \(plan)") }
        #expect(plan.contains("--delete-unmatched-seeded"), "\(plan)")
        let (accepted, acceptedPlan) = try ProgramRunner.run(ResumeTests.dbctl, arguments + ["--delete-unmatched-seeded"])
        #expect(accepted == 0, "\(acceptedPlan)")
        #expect(acceptedPlan.contains("! target.seeded_rows"), "\(acceptedPlan)")
        for table in Self.seededTables { #expect(acceptedPlan.contains(table), "the plan lists \(table): \(acceptedPlan)") }
        let (status, output) = try ProgramRunner.run(ResumeTests.dbctl, arguments + ["--delete-unmatched-seeded", "--execute"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("verify: identical"), "\(output)")
        #expect(output.contains("_dbctl_migration removed"), "\(output)")
        try expectDjangoAgrees(source: source, target: target, fresh: freshSchema, directory: directory)
    }

    /// Django on SQLite compares usernames case-sensitively, MariaDB's utf8mb4_unicode_ci does not: the run
    /// stops naming both rows and writes nothing of that table; once the shop renames one, the same command
    /// resumes (seeded tables that were not reached yet still hold their seeded rows) and completes.
    @Test func aCaseCollisionStopsNamingBothRowsAndTheFixedSourceResumes() throws {
        let project = Self.salesman
        _ = try project.python()
        let directory = NSTemporaryDirectory() + "salesman-ci-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = directory + "/shop.sqlite3"
        let sqlite = DjangoProject.sqlite(source)
        try project.manage(["migrate", "-v0"], sqlite)
        // More customers than permissions: auth_user is copied (and stops) before the content types are reached.
        try project.manage(["fill", "--scale", "200"], sqlite)
        let ids = try project.manage(["shell", "-v0", "-c", """
            from django.contrib.auth.models import User
            print(User.objects.create(username="Anna", email="anna@example.com").pk, User.objects.create(username="anna", email="anna@example.org").pk)
            """], sqlite).split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let target = try TestServer.freshDatabase("salesmanci")
        let mysql = try DjangoProject.mysql(target, directory: directory)
        try project.manage(["migrate", "-v0"], mysql)
        let passwordFile = directory + "/pw"
        #expect(FileManager.default.createFile(atPath: passwordFile, contents: Data((target.password ?? "").utf8), attributes: [.posixPermissions: 0o600]))
        let command = ["migrate", "--source", source, "--target", "mysql://\(target.username)@127.0.0.1:\(target.port)/\(target.database!)",
                       "--password-file", passwordFile, "--delete-unmatched-seeded", "--execute"]
        let (stopped, stopOutput) = try ProgramRunner.run(ResumeTests.dbctl, command)
        #expect(stopped != 0, "\(stopOutput)")
        #expect(stopOutput.contains("table auth_user, unique key username"), "\(stopOutput)")
        #expect(ids.count == 2 && stopOutput.contains("id=\(ids[0]) and id=\(ids[1])"), "\(ids) \(stopOutput)")
        #expect(try query(target, "SELECT COUNT(*) FROM auth_user")[0].decode(0, as: Int.self) == 0)

        try project.manage(["shell", "-v0", "-c", """
            from django.contrib.auth.models import User
            User.objects.filter(username="anna").update(username="anna.2")
            """], sqlite)
        let (status, output) = try ProgramRunner.run(ResumeTests.dbctl, command)
        #expect(status == 0, "\(output)")
        #expect(output.contains("resumed:"), "\(output)")
        #expect(output.contains("verify: identical"), "\(output)")
        #expect(output.contains("_dbctl_migration removed"), "\(output)")
        #expect(try project.manage(["digest"], sqlite) == project.manage(["digest"], mysql))
        #expect(try project.manage(["extratables"], mysql) == "")
    }
}
