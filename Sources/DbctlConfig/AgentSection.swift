import Foundation

/// `agent:` — the long-running process that runs the schedules.
public struct AgentSection: Sendable, Equatable {
    /// Where `/metrics` and health are served (later services); mysqld_exporter's port by default.
    public var listen: String = "127.0.0.1:9104"
    /// How often a still-active alert is sent again.
    public var alertRepeat: TimeInterval = 4 * 3600
    /// How often the agent wakes to check schedules, staleness and storage.
    public var tick: TimeInterval = 30

    public init() {}

    static func read(_ reader: YAMLReader) throws -> AgentSection {
        let map = try reader.mapping(allowed: ["listen", "alert_repeat", "tick"])
        var section = AgentSection()
        if let listen = try map.string("listen") { section.listen = listen }
        if let repeatEvery = try map.duration("alert_repeat") { section.alertRepeat = repeatEvery }
        if let tick = try map.duration("tick") {
            guard tick >= 0.1 else { throw try map.required("tick").error(.invalidValue, "must be at least 0.1s") }
            section.tick = tick
        }
        return section
    }
}
