import BalancerCore
import NIOCore

/// Completes one lookup with the first datagram that comes from the DNS server and carries the query's id.
///
/// Datagrams from elsewhere, or with another id (a late answer to an earlier query, or a spoofing attempt), are
/// ignored rather than failing the lookup: the right answer may still arrive before the timeout.
final class ResolverUDPResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on its channel's event loop; the promise is itself thread-safe.
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let server: SocketAddress
    private let queryID: UInt16
    private let promise: EventLoopPromise<[String]>

    init(server: SocketAddress, queryID: UInt16, promise: EventLoopPromise<[String]>) {
        self.server = server
        self.queryID = queryID
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == server else { return }
        let bytes = Array(envelope.data.readableBytesView)
        do {
            let answer = try ResolverDNSMessage.parseResponse(bytes, expectedID: queryID)
            promise.succeed(answer.addresses)
        } catch .idMismatch {
            return
        } catch {
            promise.fail(ResolverFailure(description: "\(server) answered: \(error)"))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port unreachable (nothing listens on the resolver's port) arrives here as a read error.
        promise.fail(ResolverFailure(description: "cannot reach \(server): \(error)"))
    }
}
