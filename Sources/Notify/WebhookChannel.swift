import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// POSTs each notification's JSON (see ``AlertNotification``) with `Content-Type: application/json`.
///
/// A 2xx answer is delivery. A 5xx, 408 or 429 answer, a refused connection or a timeout is tried again,
/// up to `attempts` times in all, waiting `retryDelay`, then twice that, and so on; any other status fails at
/// once, since sending the same body again cannot change it. Errors name the URL without its user info and
/// query, and with long path segments (the tokens of Slack-style webhook URLs) shown as `…`.
public struct WebhookChannel: NotificationChannel {
    public let name: String
    public let url: String
    public let httpClient: HTTPClient
    /// Per attempt.
    public let timeout: TimeInterval
    public let attempts: Int
    public let retryDelay: TimeInterval

    public init(
        url: String, httpClient: HTTPClient = .shared, timeout: TimeInterval = 10, attempts: Int = 3,
        retryDelay: TimeInterval = 1, name: String? = nil
    ) {
        self.url = url
        self.httpClient = httpClient
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.retryDelay = retryDelay
        self.name = name ?? "webhook \(URLComponents(string: url)?.host ?? url)"
    }

    /// The URL as errors and logs show it.
    public var displayURL: String { Self.redact(url) }

    public func send(_ notification: AlertNotification) async throws {
        guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""),
              !(components.host ?? "").isEmpty
        else { throw NotifyError(.configuration, target: displayURL, "not an http:// or https:// URL") }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "dbctl")
        request.body = .bytes(ByteBuffer(data: notification.json()))
        var failure = NotifyError(.unreachable, target: displayURL, "not sent")
        for attempt in 1...attempts {
            if attempt > 1 {
                let delay = retryDelay * pow(2, Double(attempt - 2))
                try await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
            }
            do {
                let response = try await httpClient.execute(request, timeout: .milliseconds(Int64(timeout * 1_000)))
                let status = Int(response.status.code)
                let body = try? await response.body.collect(upTo: 4_096)
                if (200..<300).contains(status) { return }
                let answer = body.map { String(buffer: $0) }?.split(separator: "\n").first.map(String.init) ?? ""
                failure = NotifyError(
                    .httpStatus, target: displayURL, status: status,
                    "POST answered \(status)\(answer.isEmpty ? "" : " (\(answer.prefix(160)))") after \(attempt) "
                        + (attempt == 1 ? "attempt" : "attempts"))
                guard status >= 500 || status == 408 || status == 429 else { break }
            } catch {
                if Task.isCancelled { throw error }
                failure = NotifyError(
                    .unreachable, target: displayURL,
                    "POST failed after \(attempt) \(attempt == 1 ? "attempt" : "attempts"): \(Self.describe(error))")
            }
        }
        throw failure
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "no answer in time"
            default: return String(describing: error)
            }
        }
        return String(describing: error)
    }

    /// Drops user info, query and fragment, and hides path segments long enough to be tokens.
    static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url), let host = components.host else { return "(webhook URL)" }
        components.user = nil
        components.password = nil
        let hadQuery = components.query != nil
        components.query = nil
        components.fragment = nil
        let segments = components.path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.count > 20 ? "…" : String(segment)
        }
        let path = segments.joined(separator: "/")
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(components.scheme ?? "http")://\(host)\(port)\(path)\(hadQuery ? "?…" : "")"
    }
}
