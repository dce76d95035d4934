import BalancerCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Opens upstream connections on the event loop of the client connection that needs them, so the pair never
/// crosses threads. With `tls` (the group's `tls:`) the connection talks TLS; requests written before the handshake
/// ends wait in the TLS handler.
enum UpstreamConnector {
    static func connect(
        to server: UpstreamServer,
        on eventLoop: EventLoop,
        timers: LoopTimerQueue,
        connectTimeout: TimeAmount,
        tls: UpstreamTLS? = nil
    ) -> EventLoopFuture<UpstreamHandler> {
        // The initializer runs on `eventLoop`, the queue's own.
        let timers = NIOLoopBound(timers, eventLoop: eventLoop)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: ReceiveBuffers.adaptive)
            .channelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 64 * 1024))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try tls.makeHandler(for: server)) }
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(server: server, timers: timers.value))
                }
            }
        let connected: EventLoopFuture<Channel>
        if let address = server.socketAddress {
            connected = bootstrap.connect(to: address)
        } else {
            connected = bootstrap.connect(host: server.config.address.host, port: server.config.address.port)
        }
        return connected.flatMapThrowing { channel in
            try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
        }
    }
}
