import FluentKit
import FluentSQLiteDriver

/// fluent-sqlite-driver's configuration with what several processes on one SQLite file need: every
/// connection waits for locks (`SQLiteConnectionSetup`), and every transaction starts as a writer
/// (`SQLiteWriterDatabase`).
struct SQLiteWriterConfiguration: DatabaseConfiguration {
    var base: any DatabaseConfiguration
    let busyTimeout: Duration

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        SQLiteWriterDriver(base: base.makeDriver(for: databases),
                           setup: SQLiteConnectionSetup(busyTimeout: busyTimeout))
    }
}

struct SQLiteWriterDriver: DatabaseDriver {
    let base: any DatabaseDriver
    let setup: SQLiteConnectionSetup

    func makeDatabase(with context: DatabaseContext) -> any Database {
        SQLiteWriterDatabase(base: base.makeDatabase(with: context), setup: setup, pinned: false, inTransaction: false)
    }

    func shutdown() { base.shutdown() }
    func shutdownAsync() async { await base.shutdownAsync() }
}
