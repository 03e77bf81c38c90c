import CMariaDB
import Foundation

/// State shared with Connector/C's local-infile callbacks for one `LOAD DATA` call.
private final class InfileContext {
    let expectedName: String
    let source: any LocalInfileSource
    var failure: (any Error)?
    var refusedName: String?

    init(expectedName: String, source: any LocalInfileSource) {
        self.expectedName = expectedName
        self.source = source
    }
}

private func infileInit(_ handle: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ filename: UnsafePointer<CChar>?, _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    guard let handle else { return 1 }
    handle.pointee = userdata
    // No context: the server asked for a file outside `loadData` (a hostile or misconfigured server).
    guard let userdata else { return 1 }
    let context = Unmanaged<InfileContext>.fromOpaque(userdata).takeUnretainedValue()
    let name = filename.map { String(cString: $0) } ?? ""
    // A server may ask for any path; only the token this call invented is served.
    if name != context.expectedName {
        context.refusedName = name
        return 1
    }
    return 0
}

private func infileRead(_ handle: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<CChar>?, _ length: UInt32) -> Int32 {
    guard let handle, let buffer else { return -1 }
    let context = Unmanaged<InfileContext>.fromOpaque(handle).takeUnretainedValue()
    if context.refusedName != nil { return -1 }
    do {
        let count = try context.source.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length)))
        return Int32(count)
    } catch {
        context.failure = error
        return -1
    }
}

private func infileEnd(_ handle: UnsafeMutableRawPointer?) {}

private func infileError(_ handle: UnsafeMutableRawPointer?, _ message: UnsafeMutablePointer<CChar>?, _ length: UInt32) -> Int32 {
    guard let message, length > 0 else { return 2000 }
    var text = "server requested a local file outside loadData; this client never serves files"
    if let handle {
        let context = Unmanaged<InfileContext>.fromOpaque(handle).takeUnretainedValue()
        if let refused = context.refusedName { text = "server asked for file '\(refused)', which this client does not serve" }
        else if let failure = context.failure { text = "local infile source failed: \(failure)" }
    }
    let bytes = Array(text.utf8.prefix(Int(length) - 1))
    for (i, byte) in bytes.enumerated() { message[i] = CChar(bitPattern: byte) }
    message[bytes.count] = 0
    return 2000
}

extension BlockingConnection {
    /// Connector/C's default handler would read whatever path the server names; this one refuses every
    /// request that does not come from `loadData`. Installed at connect.
    func installRefusingInfileHandler() {
        mysql_set_local_infile_handler(mysql, infileInit, infileRead, infileEnd, infileError, nil)
    }

    /// Bulk-loads the bytes `source` produces with `LOAD DATA LOCAL INFILE`, no temporary file involved.
    /// The server must run with `local_infile=ON`; the connection must allow it (`allowLocalInfile`).
    /// Returns the rows loaded (`affectedRows`) and the warning count; call with `failOnWarnings` to turn
    /// any server warning (a truncated or converted value) into an error.
    @discardableResult
    public func loadData(_ statement: LoadDataStatement, from source: any LocalInfileSource, failOnWarnings: Bool = true) throws -> QueryMetadata {
        try checkOpen()
        guard configuration.allowLocalInfile else {
            throw MariaDBError(code: .misuse, message: "LOAD DATA LOCAL INFILE is disabled for this connection (allowLocalInfile = false)")
        }
        let token = "storefront-stream-\(UUID().uuidString)"
        let context = InfileContext(expectedName: token, source: source)
        let userdata = Unmanaged.passRetained(context)
        defer {
            installRefusingInfileHandler()
            userdata.release()
        }
        mysql_set_local_infile_handler(mysql, infileInit, infileRead, infileEnd, infileError, userdata.toOpaque())
        let sql = statement.sql(fileToken: token)
        // With LOCAL the server downgrades bad values and duplicate keys to warnings (it cannot stop the
        // client mid-file), so the statement alone is not all-or-nothing. Run it in a transaction (or a
        // savepoint inside the caller's) and roll back when it produced warnings.
        let ownTransaction = !isInTransaction
        try execute(ownTransaction ? "START TRANSACTION" : "SAVEPOINT storefront_load_data")
        do {
            let metadata = try execute(MariaDBQuery(unsafeSQL: sql))
            if failOnWarnings, metadata.warningCount > 0 {
                let error = try warningError(count: metadata.warningCount)
                try execute(ownTransaction ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT storefront_load_data")
                throw MariaDBError(code: .warnings, errno: error.errno, sqlState: error.sqlState,
                                   message: error.message + "; the load was rolled back", context: "load data into \(statement.table)")
            }
            try execute(ownTransaction ? "COMMIT" : "RELEASE SAVEPOINT storefront_load_data")
            return metadata
        } catch let error as MariaDBError where error.code == .warnings {
            throw error
        } catch var error as MariaDBError {
            if let failure = context.failure {
                error = MariaDBError(code: .localInfile, errno: error.errno, sqlState: error.sqlState,
                                     message: "local infile source failed: \(failure)", context: "load data into \(statement.table)", underlying: failure)
            } else if let refused = context.refusedName {
                error = MariaDBError(code: .localInfile, errno: error.errno, message: "server asked for file '\(refused)', which this client does not serve", context: "load data into \(statement.table)")
            } else if error.errno == 1148 || error.errno == 4166 {
                error.message += " — enable it on the server: SET GLOBAL local_infile = ON (or local_infile=1 in my.cnf)"
            }
            if !isBroken { _ = try? execute(ownTransaction ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT storefront_load_data") }
            throw error
        }
    }
}
