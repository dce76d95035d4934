import BalancerCore
import Logging
import NIOCore

/// Stops a listener accepting for `AcceptBackoff.duration` when accept fails for want of descriptors or memory,
/// and says so in the log at most once a second.
///
/// NIO's `AcceptBackoffHandler` cannot do this here: it only delays the next `read`, but a failed accept leaves
/// the channel's current read pending, so NIO keeps the listening socket registered for readability; epoll is
/// level-triggered and the connection is still in the backlog, so the loop wakes at once and accepts again,
/// hundreds of thousands of times a second. Turning NIO's `autoRead` off takes the socket out of epoll, as
/// nginx disables its accept events; turning it back on registers it again for one more try.
final class AcceptPauseHandler: ChannelInboundHandler {
    typealias InboundIn = Channel

    private let listener: String
    private let logger: Logger
    private var throttle = LogThrottle(interval: .seconds(1))
    private var resume: Scheduled<Void>?

    init(listener: String, logger: Logger) {
        self.listener = listener
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let ioError = error as? IOError, let pause = AcceptBackoff.pause(after: ioError) else {
            context.fireErrorCaught(error)
            return
        }
        if resume == nil, let options = context.channel.syncOptions {
            do {
                try options.setOption(.autoRead, value: false)
                let channel = context.channel
                resume = context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [weak self] in
                    self?.resume = nil
                    try? channel.syncOptions?.setOption(.autoRead, value: true)
                }
            } catch {
                // The listener is closing; nothing left to pause.
            }
        }
        if let heldBack = throttle.event(at: .now()) {
            let more = heldBack == 0 ? "" : " (\(heldBack) more since the last message)"
            let message = "cannot accept on \(listener): \(ioError.description); not accepting for \(pause)\(more); "
                + AcceptBackoff.advice(for: ioError)
            logger.warning("\(message)")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
    }
}

@available(*, unavailable)
extension AcceptPauseHandler: Sendable {}
