import ArgumentParser
import Backup
import Foundation

struct BackupKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Key-encryption keys.", subcommands: [Create.self, Rotate.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new key file (0600) with one fresh key; refuses to overwrite.")
        @Option(help: "Path of the key file.") var keyFile: String

        func run() async throws {
            let ring = try KeyRing.create(path: keyFile)
            print("created \(keyFile) with key \(ring.current.id); keep a copy offline: without it no backup opens")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new key and re-wrap every object's data key under it; old keys stay readable.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Rotate; without it, only the plan is printed.") var execute = false

        func run() async throws {
            try await BackupSession.run(options) { environment in
                let outcome = try await KeyRotation(environment: environment).rotate(execute: execute)
                if execute {
                    print("rotated: new key \(outcome.newKeyID) (was \(outcome.oldKeyID)); re-wrapped "
                          + "\(outcome.rewrapped) object keys")
                    for problem in outcome.problems { print("  ✗ \(problem)") }
                } else {
                    print("dry run: nothing was written. Add --execute to rotate.")
                }
            }
        }
    }
}
