import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A webhook receiver on a free loopback port: records every POSTed body (JSON alerts) and answers 200.
public final class AlertReceiver: Sendable {
    private let channel: any Channel
    private let bodies: NIOLockedValueBox<[Data]>
    public let port: Int

    public var url: String { "http://127.0.0.1:\(port)/alerts" }

    private init(channel: any Channel, bodies: NIOLockedValueBox<[Data]>, port: Int) {
        self.channel = channel
        self.bodies = bodies
        self.port = port
    }

    public static func start() async throws -> AlertReceiver {
        let bodies = NIOLockedValueBox<[Data]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(bodies: bodies))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return AlertReceiver(channel: channel, bodies: bodies, port: channel.localAddress?.port ?? 0)
    }

    /// The received JSON documents, decoded.
    public var received: [[String: Any]] {
        bodies.withLockedValue { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    /// (alert id, state) of each notification, in arrival order.
    public var events: [(id: String, state: String)] {
        received.compactMap { body in
            guard let alert = body["alert"] as? [String: Any], let id = alert["id"] as? String,
                let state = body["state"] as? String
            else { return nil }
            return (id, state)
        }
    }

    public func stop() async {
        try? await channel.close()
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let bodies: NIOLockedValueBox<[Data]>
        var body = Data()

        init(bodies: NIOLockedValueBox<[Data]>) { self.bodies = bodies }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: body = Data()
            case .body(var buffer): body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .end:
                let received = body
                bodies.withLockedValue { $0.append(received) }
                var headers = HTTPHeaders()
                headers.add(name: "content-length", value: "0")
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                    promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
