import AsyncHTTPClient
import DbctlConfig
import Logging

/// The channels of the configuration's `alerts:` section, shared by every part of dbctl that raises alerts.
public enum AlertChannels {
    /// `alsoLog`: one log line per notification as well (the agent), unless a log channel is configured.
    public static func make(
        _ configs: [AlertChannelConfig], httpClient: HTTPClient, alsoLog: Bool = false
    ) -> [any NotificationChannel] {
        var channels: [any NotificationChannel] = configs.map { config in
            switch config {
            case .webhook(let url): WebhookChannel(url: url, httpClient: httpClient)
            case .command(let run, let arguments): CommandChannel(executable: run, arguments: arguments)
            case .log: LogChannel(logger: Logger(label: "dbctl.alerts"))
            }
        }
        if alsoLog, !channels.contains(where: { $0 is LogChannel }) {
            channels.append(LogChannel(logger: Logger(label: "dbctl.alerts")))
        }
        return channels
    }
}
