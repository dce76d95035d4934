import NIOCore

/// Put at the head of a client pipeline that had a request in progress when draining began: after every flush it
/// tells the connection again that the balancer is draining (`DrainingStarted`).
///
/// A response whose head went out before draining began promised keep-alive, so the connection handler does not
/// close after it on its own. Told again right after that response's last flush, the handler finds the connection
/// between requests and closes it: the drain ends when the response does, with no timer. While a request is still
/// in progress the handler ignores the event. Only busy connections of a draining loop get this handler, so it
/// costs nothing while serving.
final class DrainNudgeHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer

    func flush(context: ChannelHandlerContext) {
        context.flush()
        // After the current call stack: the connection handler first finishes the response it is flushing (and
        // starts any pipelined request), so the event finds the connection as that response left it.
        let channel = context.channel
        context.eventLoop.assumeIsolated().execute {
            guard channel.isActive else { return }
            channel.pipeline.fireUserInboundEventTriggered(DrainingStarted())
        }
    }

    /// Adds the handler in front of everything else on `channel` (called on its loop).
    static func install(on channel: Channel) {
        try? channel.pipeline.syncOperations.addHandler(DrainNudgeHandler(), position: .first)
    }
}
