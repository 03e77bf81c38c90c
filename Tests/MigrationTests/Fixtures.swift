import Foundation
import MariaDB
import MariaDBTestSupport
import Migration
import Testing

/// A SQLite file built by the sqlite3 CLI from SQL, removed by `remove()`.
struct SQLiteFixture {
    let path: String

    init(unchecked path: String) { self.path = path }

    init(_ sql: String) throws {
        path = NSTemporaryDirectory() + "fixture-\(UUID().uuidString.prefix(8)).sqlite"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(sql.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw MigrationError("sqlite3 failed: \(text)") }
    }

    func remove() { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
}

/// Runs the full migrate flow into a fresh database; returns the report (or throws the migration's error).
func migrate(_ fixture: SQLiteFixture, schema: MigrationSession.SchemaChoice = .generic, badRows: BadRowPolicy = .stop,
             onOrphan: Planner.OrphanPolicy = .stop, target: MariaDBConfiguration? = nil, quarantine: String? = nil) throws -> (MigrationReport, MariaDBConfiguration) {
    let configuration = try target ?? TestServer.freshDatabase("mig")
    var session = MigrationSession(sourcePath: fixture.path, target: configuration)
    session.schema = schema
    session.onOrphan = onOrphan
    let inspection = try session.inspect()
    var options = MigrationOptions()
    options.badRows = badRows
    options.onOrphan = onOrphan
    options.quarantinePath = quarantine
    let report = try session.execute(inspection, options: options, reporter: ProgressReporter(enabled: false))
    return (report, configuration)
}

func query(_ configuration: MariaDBConfiguration, _ sql: MariaDBQuery) throws -> [MariaDBRow] {
    let connection = try BlockingConnection.connect(configuration)
    defer { connection.close() }
    return try connection.query(sql, prepared: true).rows
}
