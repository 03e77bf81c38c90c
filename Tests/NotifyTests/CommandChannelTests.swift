import Foundation
import Notify
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct CommandChannelTests {
    @Test func runsTheProgramWithTheJSONOnStdinAndTheAlertInTheEnvironment() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let script = "\(directory)/record.sh"
            try NotifyFixtures.writeScript("""
                #!/bin/sh
                cat > "$1/stdin.json"
                env | grep '^DBCTL_ALERT_' | sort > "$1/env.txt"
                printf '%s\\n' "$@" > "$1/args.txt"
                """, at: script)
            let notification = NotifyFixtures.notification()
            let channel = CommandChannel(executable: script, arguments: [directory, "two words; $(not run)"])
            #expect(channel.name == "command record.sh")
            try await channel.send(notification)
            let stdin = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/stdin.json"))
            #expect(try JSONDecoder().decode(AlertNotification.self, from: stdin) == notification)
            let environment = try String(contentsOfFile: "\(directory)/env.txt", encoding: .utf8)
            #expect(environment == """
                DBCTL_ALERT_ID=backup.failed/local
                DBCTL_ALERT_REPEAT=2
                DBCTL_ALERT_SEVERITY=critical
                DBCTL_ALERT_SOURCE=backup
                DBCTL_ALERT_STATE=firing
                DBCTL_ALERT_SUMMARY=full backup 20261202T0100Z failed: mariadb-backup exited 1

                """)
            let arguments = try String(contentsOfFile: "\(directory)/args.txt", encoding: .utf8)
            #expect(arguments == "\(directory)\ntwo words; $(not run)\n", "arguments passed as they are, no shell")
        }
    }

    @Test func aProgramNameIsLookedUpOnThePath() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let channel = CommandChannel(executable: "sh", arguments: ["-c", "cat > \"$0/out.json\"", directory])
            try await channel.send(NotifyFixtures.notification(state: .resolved))
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/out.json"))
            #expect(try JSONDecoder().decode(AlertNotification.self, from: data).state == .resolved)
        }
    }

    @Test func aNonZeroExitIsAnErrorNamingTheProgramAndStatus() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let script = "\(directory)/page.sh"
            try NotifyFixtures.writeScript("#!/bin/sh\necho 'paging service down' >&2\nexit 3\n", at: script)
            do {
                try await CommandChannel(executable: script).send(NotifyFixtures.notification())
                Issue.record("exit 3 counted as delivered")
            } catch let error as NotifyError {
                #expect(error.code == .exitStatus)
                #expect(error.status == 3)
                #expect(error.description == "\(script): exited 3: paging service down")
            }
        }
    }

    @Test func aProgramThatIgnoresStdinAndExitsAtOnceIsFine() async throws {
        try await CommandChannel(executable: "/bin/true").send(NotifyFixtures.notification())
    }

    @Test func aHangingProgramIsKilledAfterTheTimeoutWithItsChildren() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let script = "\(directory)/hang.sh"
            try NotifyFixtures.writeScript("#!/bin/sh\nsleep 60 &\necho $! > \"$1/child.pid\"\nwait\n", at: script)
            let started = Date()
            do {
                try await CommandChannel(executable: script, arguments: [directory], timeout: 0.5)
                    .send(NotifyFixtures.notification())
                Issue.record("a hanging program counted as delivered")
            } catch let error as NotifyError {
                #expect(error.code == .timeout)
                #expect(error.description.hasPrefix("\(script): still running after 0.5 s; killed"))
            }
            // The child sleeps a minute: well under that means it was killed, even on a loaded machine.
            #expect(Date().timeIntervalSince(started) < 30)
            let child = try #require(Int32(try String(contentsOfFile: "\(directory)/child.pid", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            var gone = false
            for _ in 0..<50 where !gone {
                gone = kill(child, 0) != 0
                if !gone { try await Task.sleep(nanoseconds: 100_000_000) }
            }
            if !gone { kill(child, SIGKILL) }
            #expect(gone, "the program's child went with it")
        }
    }

    @Test func aMissingProgramIsALaunchError() async throws {
        do {
            try await CommandChannel(executable: "/nonexistent/dbctl-pager").send(NotifyFixtures.notification())
            Issue.record("a missing program counted as delivered")
        } catch let error as NotifyError {
            #expect(error.code == .launch)
            #expect(error.description.hasPrefix("/nonexistent/dbctl-pager: cannot start"))
        }
        do {
            try await CommandChannel(executable: "dbctl-no-such-pager").send(NotifyFixtures.notification())
            Issue.record("a missing program counted as delivered")
        } catch let error as NotifyError {
            #expect(error.description == "dbctl-no-such-pager: not found on PATH")
        }
    }
}

extension CommandChannelTests {
    @Test func aDescendantThatLeftTheGroupDoesNotHoldTheRunForEver() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let script = "\(directory)/escape.sh"
            // setsid takes the sleeper out of the process group, out of reach of the group kill; it keeps the
            // descriptors it inherited.
            try NotifyFixtures.writeScript("#!/bin/sh\nsetsid sleep 120 &\necho $! > \"$1/child.pid\"\nwait\n",
                at: script)
            let started = Date()
            await #expect(throws: NotifyError.self) {
                try await CommandChannel(executable: script, arguments: [directory], timeout: 0.3)
                    .send(NotifyFixtures.notification())
            }
            #expect(Date().timeIntervalSince(started) < 60, "the escaped sleeper runs for 120 s")
            if let text = try? String(contentsOfFile: "\(directory)/child.pid", encoding: .utf8),
               let child = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(child, SIGKILL)
            }
        }
    }
}
