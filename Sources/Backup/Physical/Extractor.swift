import Foundation

/// Decrypts a sealed mbstream object straight into `mbstream -x`, so the clear stream only ever exists in a
/// pipe.
struct Extractor: Sendable {
    let environment: BackupEnvironment

    func extract(_ object: ObjectRecord, file: String, into directory: String) async throws {
        let mbstream = try ToolProcess.find("mbstream")
        let log = environment.work.log("extract")
        let vault = Vault(environment: environment)
        try await BlockingWork.run("extract") {
            let process = ToolProcess(executable: mbstream, arguments: ["-x", "-C", directory]).makeProcess()
            let pipe = Pipe()
            let logHandle = try ToolProcess.append(to: log)
            defer { try? logHandle.close() }
            process.standardInput = pipe
            process.standardOutput = logHandle
            process.standardError = logHandle
            try process.run()
            do {
                _ = try vault.decrypt(object, file: file, into: pipe.fileHandleForWriting)
                try pipe.fileHandleForWriting.close()
            } catch {
                try? pipe.fileHandleForWriting.close()
                process.waitUntilExit()
                throw error
            }
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw BackupError(.tool, "mbstream -x of \(object.key) exited \(process.terminationStatus): "
                                  + ToolProcess.tail(of: log))
            }
        }
    }
}
