import BalancerCore
import NIOCore
import NIOPosix

/// Asks the `resolver:` DNS server for a name's A records over UDP, with one of the balancer's event loops doing
/// the I/O (NIO's `DatagramBootstrap`): one short-lived socket per lookup, a random query id checked on the
/// answer, and a timeout after which the lookup fails.
struct ResolverUDPClient: UpstreamNameResolver {
    let server: SocketAddress
    let eventLoop: EventLoop
    let timeout: TimeAmount

    func resolve(_ name: String) async throws -> [String] {
        let id = UInt16.random(in: 0...UInt16.max)
        let query: [UInt8]
        do {
            query = try ResolverDNSMessage.query(id: id, name: name)
        } catch {
            throw ResolverFailure(description: error.description)
        }
        let promise = eventLoop.makePromise(of: [String].self)
        let handler = ResolverUDPResponseHandler(server: server, queryID: id, promise: promise)
        let wildcard = server.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: wildcard, port: 0).get()
        let milliseconds = timeout.nanoseconds / 1_000_000
        let timer = eventLoop.scheduleTask(in: timeout) { [server] in
            promise.fail(ResolverFailure(description: "\(server) did not answer within \(milliseconds) ms"))
        }
        let envelope = AddressedEnvelope(remoteAddress: server, data: ByteBuffer(bytes: query))
        channel.writeAndFlush(envelope).whenFailure { error in
            promise.fail(ResolverFailure(description: "cannot send the query to \(server): \(error)"))
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }
}
