import BalancerCore
import NIOCore

/// The first handler of a connection on a `proxy_protocol: true` listener: keeps the first bytes until
/// `ProxyProtocolParser` says they hold a whole header, sends the header down the pipeline as
/// `ProxyProtocolReceived`, passes on what followed it (the first request) and removes itself, so the rest of the
/// connection costs nothing. A connection whose first bytes are not a valid header, or that sends none within
/// `timeout` (`client_header_timeout`), is closed.
final class ProxyProtocolHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let loop: LoopContext
    private let timeout: TimeAmount
    private var buffered: ByteBuffer?
    private var deadline: Scheduled<Void>?
    private var done = false

    init(loop: LoopContext, timeout: TimeAmount) {
        self.loop = loop
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    private func startTimer(_ context: ChannelHandlerContext) {
        guard deadline == nil, !done else { return }
        let timeout = self.timeout
        deadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: timeout) { [self] in
            self.refuse(context, "no PROXY protocol header within \(timeout.nanoseconds / 1_000_000) ms")
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        var bytes = unwrapInboundIn(data)
        if buffered == nil {
            buffered = bytes
        } else {
            buffered!.writeBuffer(&bytes)
        }
        switch buffered!.withUnsafeReadableBytes({ ProxyProtocolParser.parse($0) }) {
        case .needMore:
            break
        case .invalid(let error):
            refuse(context, error.description)
        case .header(let header, let length):
            done = true
            deadline?.cancel()
            var rest = buffered!
            buffered = nil
            rest.moveReaderIndex(forwardBy: length)
            context.fireUserInboundEventTriggered(ProxyProtocolReceived(header: header))
            if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    /// Closes the connection without an answer: whatever sent it is not speaking the protocol this listener is
    /// configured for (nginx closes it too).
    private func refuse(_ context: ChannelHandlerContext, _ reason: String) {
        guard !done else { return }
        done = true
        buffered = nil
        let peer = context.channel.remoteAddress?.ipAddress ?? "-"
        loop.proxyProtocolFailed(reason, peer: peer)
        context.close(promise: nil)
    }
}
