@testable import Backup
import Foundation
import Testing

@Suite struct ProcessRunnerTests {
    @Test func collectsOutputAndStatus() async throws {
        let output = try await ProcessRunner.run(
            "/bin/sh", ["-c", "cat; echo err >&2; exit 3"], input: Data("hello".utf8), timeout: 10)
        #expect(output.status == 3)
        #expect(output.standardOutput == "hello")
        #expect(output.standardError == "err\n")
        #expect(!output.timedOut)
    }

    @Test func manyAtOnce() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let output = try await ProcessRunner.run("/bin/echo", ["\(index)"], timeout: 10)
                    #expect(output.standardOutput == "\(index)\n")
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func stopsAtTheDeadline() async throws {
        let started = Date()
        let output = try await ProcessRunner.run("/bin/sleep", ["120"], timeout: 1)
        #expect(output.timedOut)
        #expect(Date().timeIntervalSince(started) < 60, "killed at the deadline, long before the sleep ends")
    }
}

