import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on a free loopback port that records every request and answers with scripted statuses.
final class WebhookReceiver: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: Data
    }

    private struct State {
        var statuses: [Int]
        var requests: [Request] = []
    }

    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: NIOLockedValueBox<State>
    /// How long to wait before answering (to make a client time out).
    private let delay: TimeAmount

    var url: String { "http://127.0.0.1:\(port)/alerts" }
    var requests: [Request] { state.withLockedValue { $0.requests } }

    /// Answers the requests with `statuses` in turn, then 200.
    static func start(statuses: [Int] = [], delay: TimeAmount = .zero) async throws -> WebhookReceiver {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = NIOLockedValueBox(State(statuses: statuses))
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.configureHTTPServerPipeline()
                        try child.pipeline.syncOperations.addHandler(RecordingHandler(state: state, delay: delay))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            return WebhookReceiver(port: channel.localAddress!.port!, group: group, channel: channel, state: state,
                                   delay: delay)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(port: Int, group: MultiThreadedEventLoopGroup, channel: any Channel, state: NIOLockedValueBox<State>,
                 delay: TimeAmount) {
        self.port = port
        self.group = group
        self.channel = channel
        self.state = state
        self.delay = delay
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Runs `body` with a started receiver and stops it afterwards, also when `body` throws.
    static func with<T>(
        statuses: [Int] = [], delay: TimeAmount = .zero, _ body: (WebhookReceiver) async throws -> T
    ) async throws -> T {
        let receiver = try await start(statuses: statuses, delay: delay)
        do {
            let result = try await body(receiver)
            await receiver.stop()
            return result
        } catch {
            await receiver.stop()
            throw error
        }
    }

    /// A loopback port with nothing listening: bound, then closed.
    static func closedPort() async throws -> Int {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        try await group.shutdownGracefully()
        return port
    }

    private final class RecordingHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let state: NIOLockedValueBox<State>
        let delay: TimeAmount
        var head: HTTPRequestHead?
        var body = Data()

        init(state: NIOLockedValueBox<State>, delay: TimeAmount) {
            self.state = state
            self.delay = delay
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = Data()
            case .body(var buffer):
                body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .end:
                guard let head else { return }
                let request = Request(
                    method: head.method.rawValue, uri: head.uri,
                    headers: Dictionary(head.headers.map { ($0.name.lowercased(), $0.value) }) { first, _ in first },
                    body: body)
                let status = state.withLockedValue { state in
                    state.requests.append(request)
                    return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
                }
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: delay) {
                    let (handler, context) = loopBound.value
                    handler.respond(context: context, status: status)
                }
            }
        }

        func respond(context: ChannelHandlerContext, status: Int) {
            let text = status < 300 ? "ok\n" : "receiver says \(status)\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(text.utf8.count))
            headers.add(name: "Connection", value: "close")
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status),
                headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
