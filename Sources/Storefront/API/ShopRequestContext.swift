import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the peer's address, which rate limits
/// and the security log need (``ClientAddress`` resolves it behind trusted proxies).
public struct ShopRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer; `nil` when the request did not come over a socket (in-process tests).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
