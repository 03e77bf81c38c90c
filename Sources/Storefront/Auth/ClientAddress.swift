import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The address a request comes from, for rate limits and the security log.
///
/// The TCP peer, unless the peer is one of `TRUSTED_PROXIES`: then the right-most `X-Forwarded-For` entry that
/// is not itself a trusted proxy (entries further left are whatever the client wrote, so they are never
/// believed). Without a socket (in-process tests) the address is `local`.
struct ClientAddress {
    let trustedProxies: Set<String>

    func of(_ request: Request, _ context: ShopRequestContext) -> String {
        guard let peer = context.remoteAddress?.ipAddress else { return "local" }
        guard trustedProxies.contains(peer), let header = request.headers[.xForwardedFor] else { return peer }
        let hops = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last(where: { !trustedProxies.contains($0) }) ?? peer
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
