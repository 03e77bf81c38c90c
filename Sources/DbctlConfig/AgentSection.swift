import Foundation

/// `agent:` — the long-running process that runs the schedules.
public struct AgentSection: Sendable, Equatable {
    /// Where `/metrics` and health are served (later services); mysqld_exporter's port by default.
    public var listen: String = "127.0.0.1:9104"
    /// How often a still-active alert is sent again.
    public var alertRepeat: TimeInterval = 4 * 3600
    /// How often the agent wakes to check schedules, staleness and storage.
    public var tick: TimeInterval = 30
    /// Where the agent keeps the state of alerts that are not the backups' (security); `backup.work_dir` when
    /// there is a backup section and this is not set.
    public var stateDirectory: String?

    public init() {}

    static func read(_ reader: YAMLReader) throws -> AgentSection {
        let map = try reader.mapping(allowed: ["listen", "alert_repeat", "tick", "state_dir"])
        var section = AgentSection()
        if let listen = try map.string("listen") { section.listen = listen }
        if let repeatEvery = try map.duration("alert_repeat") { section.alertRepeat = repeatEvery }
        section.stateDirectory = try map.string("state_dir")
        if let tick = try map.duration("tick") {
            guard tick >= 0.1 else { throw try map.required("tick").error(.invalidValue, "must be at least 0.1s") }
            section.tick = tick
        }
        return section
    }
}
