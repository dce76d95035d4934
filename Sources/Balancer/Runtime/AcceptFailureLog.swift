import Logging
import NIOCore

/// Logs why a listener could not accept, at most once a second: `AcceptBackoffHandler` sits before it, pauses
/// accepting and passes the error on. A listener lives on one loop, so this is once a second per loop.
final class AcceptFailureLog: ChannelInboundHandler {
    typealias InboundIn = Channel

    private let listener: String
    private let logger: Logger
    private var throttle = LogThrottle(interval: .seconds(1))

    init(listener: String, logger: Logger) {
        self.listener = listener
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let ioError = error as? IOError, let pause = AcceptBackoff.pause(after: ioError) else {
            context.fireErrorCaught(error)
            return
        }
        if let heldBack = throttle.event(at: .now()) {
            let more = heldBack == 0 ? "" : " (\(heldBack) more since the last message)"
            let advice = AcceptBackoff.advice(for: ioError)
            let message = "cannot accept on \(listener): \(ioError.description); not accepting for \(pause)\(more); "
                + advice
            logger.warning("\(message)")
        }
        context.fireErrorCaught(error)
    }
}

@available(*, unavailable)
extension AcceptFailureLog: Sendable {}
