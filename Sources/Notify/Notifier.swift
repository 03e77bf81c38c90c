import Foundation
import Logging

/// Raises and resolves alerts in an ``AlertBook`` and sends what it decides to every channel at once.
///
/// A channel that fails is logged and does not stop the others; its failure comes back in the
/// ``DeliveryReport`` so the caller can report it (a backup run prints it, a daemon exposes it). A failed
/// delivery is not retried later by the book: the next repeat is the next chance.
public struct Notifier: Sendable {
    public let book: AlertBook
    public let channels: [any NotificationChannel]
    public let logger: Logger

    public init(book: AlertBook, channels: [any NotificationChannel], logger: Logger = Logger(label: "dbctl.alerts")) {
        self.book = book
        self.channels = channels
        self.logger = logger
    }

    /// Raises `alert` at `now` and sends the resulting notification, if any.
    public func raise(_ alert: Alert, now: Date) async -> DeliveryReport {
        let notifications = await book.raise(alert, now: now)
        return await deliver(notifications, stateFailure: await book.stateFailure)
    }

    /// Resolves `id` at `now` and sends the `resolved` notification, if it was active.
    public func resolve(id: String, now: Date) async -> DeliveryReport {
        let notifications = await book.resolve(id: id, now: now)
        return await deliver(notifications, stateFailure: await book.stateFailure)
    }

    /// Makes `alerts` the active alerts of `source`: raises each and resolves that source's active alerts
    /// missing from it (a check that found nothing wrong passes an empty list).
    public func reconcile(_ alerts: [Alert], source: String, now: Date) async -> DeliveryReport {
        var report = DeliveryReport()
        let current = Set(alerts.map(\.id))
        for alert in alerts { report.merge(await raise(alert, now: now)) }
        for alert in await book.active() where alert.source == source && !current.contains(alert.id) {
            report.merge(await resolve(id: alert.id, now: now))
        }
        return report
    }

    /// Sends `notifications` to every channel, all at once.
    public func deliver(
        _ notifications: [AlertNotification], stateFailure: NotifyError? = nil
    ) async -> DeliveryReport {
        var report = DeliveryReport(sent: notifications, stateFailure: stateFailure)
        if let stateFailure { logger.error("alert state: \(stateFailure)") }
        let failures = await withTaskGroup(of: ChannelFailure?.self) { group in
            for notification in notifications {
                for channel in channels {
                    group.addTask {
                        do {
                            try await channel.send(notification)
                            return nil
                        } catch {
                            return ChannelFailure(
                                channel: channel.name, alertID: notification.alert.id, state: notification.state,
                                error: error)
                        }
                    }
                }
            }
            var failures: [ChannelFailure] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        for failure in failures { logger.error("\(failure)") }
        report.failures = failures.sorted { ($0.channel, $0.alertID) < ($1.channel, $1.alertID) }
        return report
    }
}

/// What a ``Notifier`` call sent and what went wrong.
public struct DeliveryReport: Sendable {
    /// The notifications the book decided to send (each went to every channel).
    public var sent: [AlertNotification]
    /// Channels that could not deliver one of them.
    public var failures: [ChannelFailure]
    /// The alert book's file could not be read or written (see ``AlertBook/stateFailure``).
    public var stateFailure: NotifyError?

    public init(sent: [AlertNotification] = [], failures: [ChannelFailure] = [], stateFailure: NotifyError? = nil) {
        self.sent = sent
        self.failures = failures
        self.stateFailure = stateFailure
    }

    public mutating func merge(_ other: DeliveryReport) {
        sent += other.sent
        failures += other.failures
        stateFailure = stateFailure ?? other.stateFailure
    }
}

/// One channel that could not deliver one notification.
public struct ChannelFailure: Error, Sendable, CustomStringConvertible {
    public let channel: String
    public let alertID: String
    public let state: AlertState
    public let error: any Error

    public init(channel: String, alertID: String, state: AlertState, error: any Error) {
        self.channel = channel
        self.alertID = alertID
        self.state = state
        self.error = error
    }

    public var description: String { "alert \(alertID) (\(state.rawValue)) not delivered by \(channel): \(error)" }
}
