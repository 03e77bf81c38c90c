import Foundation

/// Crash points for the recovery tests: with `DBCTL_FAILPOINT=NAME` the process kills itself with SIGKILL
/// where `NAME` is reached, exactly as `kill -9` at that instant would; without it nothing happens.
enum Failpoint {
    static var armed: String? { ProcessInfo.processInfo.environment["DBCTL_FAILPOINT"] }

    static func reached(_ name: String) {
        guard armed == name else { return }
        kill(getpid(), SIGKILL)
    }
}
