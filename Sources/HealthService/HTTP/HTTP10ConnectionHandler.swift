import NIOCore
import NIOHTTP1

/// Gives HTTP/1.0 clients the connection handling they expect.
///
/// Hummingbird converts requests to swift-http-types, which carry no protocol version, and keeps every connection
/// open unless the request says `Connection: close`. An HTTP/1.0 client that did not ask for keep-alive (ApacheBench
/// without `-k`, simple health checkers) then waits for a close that never comes. This handler sits before that
/// conversion: it marks such requests `Connection: close`, so the connection ends after the response, and answers
/// `Connection: keep-alive` to HTTP/1.0 clients that asked for it, as HTTP/1.0 requires.
final class HTTP10ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the response to the request in progress must say about the connection.
    enum ConnectionAnswer: Equatable {
        case unchanged
        case close
        case keepAlive
    }

    private var answer = ConnectionAnswer.unchanged

    /// The decision for one request head; pure so it can be tested without a channel.
    static func answer(for head: HTTPRequestHead) -> ConnectionAnswer {
        guard head.version.major == 1, head.version.minor == 0 else { return .unchanged }
        return head.isKeepAlive ? .keepAlive : .close
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        answer = Self.answer(for: head)
        if answer == .close {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), head.status.code >= 200, answer != .unchanged else {
            context.write(data, promise: promise)
            return
        }
        head.headers.replaceOrAdd(name: "connection", value: answer == .close ? "close" : "keep-alive")
        answer = .unchanged
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }

    /// After a WebSocket upgrade the channel carries frames, not HTTP: step aside before they arrive.
    /// The event is passed on first: a removed handler's context no longer reaches the rest of the pipeline.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if event is HTTPServerUpgradeEvents {
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
    }
}
