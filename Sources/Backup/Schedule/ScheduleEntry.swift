import Foundation

/// When a job runs: at the times of a cron schedule, or all the time (`continuous`, the binlog streamer,
/// which is started once and restarted when it stops rather than run at times).
public enum ScheduleEntry: Sendable, Hashable, CustomStringConvertible {
    case cron(CronSchedule)
    case continuous

    /// Parses a configuration value: `continuous` or a cron expression.
    public init(parsing text: String) throws(ScheduleError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "continuous" {
            self = .continuous
        } else {
            self = .cron(try CronSchedule(trimmed))
        }
    }

    public var description: String {
        switch self {
        case .cron(let schedule): schedule.expression
        case .continuous: "continuous"
        }
    }

    /// The cron schedule, nil for `continuous`.
    public var cron: CronSchedule? {
        if case .cron(let schedule) = self { return schedule }
        return nil
    }
}

extension ScheduleEntry: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
