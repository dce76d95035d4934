import BalancerCore
import NIOCore

/// The handler before `NIOSSLServerHandler` on a TLS listener (after `ProxyProtocolHandler` when there is one):
/// keeps the first bytes until `TLSPortPreface` can tell a handshake from a plain HTTP request. A handshake (or
/// anything else that is not HTTP) goes on to the TLS layer and this handler leaves the pipeline, so TLS costs
/// nothing more after the first read. Plain HTTP gets nginx's answer instead of a failed handshake: a plain-text
/// `400 Bad Request` saying to use https://, with the configured security headers (never HSTS, which a browser
/// ignores over plain HTTP) and `Connection: close`; then the write side is shut and what the client still sends
/// is dropped until it closes or the lingering timeout ends the connection.
///
/// A client that stalls before its first byte is closed by `ClientConnectionHandler`'s `client_header_timeout`,
/// which runs from the accept.
final class PlainHTTPOnTLSPortHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let loop: LoopContext
    private var received: ByteBuffer?
    /// Set once the 400 is written: later bytes are dropped.
    private var answered = false
    private var lingering: Scheduled<Void>?

    init(loop: LoopContext) {
        self.loop = loop
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        lingering?.cancel()
        lingering = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        var bytes = unwrapInboundIn(data)
        received.setOrWriteBuffer(&bytes)
        let preface = received!.withUnsafeReadableBytes { TLSPortPreface.classify($0) }
        switch preface {
        case .needMore:
            return
        case .tls, .other:
            let first = received!
            received = nil
            context.fireChannelRead(wrapInboundOut(first))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .plainHTTP(let method):
            answered = true
            received = nil
            answer(context, isHeadRequest: method == "HEAD")
        }
    }

    /// Writes the 400 below the TLS layer (this handler is nearer the socket), then closes the way
    /// `ClientConnectionHandler` closes after a local response: write side first, reads dropped meanwhile.
    private func answer(_ context: ChannelHandlerContext, isHeadRequest: Bool) {
        let snapshot = loop.snapshot
        loop.dates.refresh()
        let response = LocalResponse.encode(
            status: .badRequest,
            version: .http1_1,
            close: true,
            requestID: loop.nextRequestID(),
            snapshot: snapshot,
            date: loop.dates.httpDate,
            allocator: context.channel.allocator,
            answer: TLSPortPreface.plainHTTPAnswer,
            isHeadRequest: isHeadRequest
        )
        let lingeringTimeout = snapshot.requestPolicy.timeouts.lingering
        let written = context.writeAndFlush(wrapOutboundOut(response.bytes))
        written.assumeIsolatedUnsafeUnchecked().whenComplete { [self] _ in
            guard context.channel.isActive else { return }
            context.close(mode: .output, promise: nil)
            lingering = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: lingeringTimeout) {
                context.close(promise: nil)
            }
        }
    }
}
