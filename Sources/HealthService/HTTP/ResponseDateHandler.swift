import NIOCore
import NIOHTTP1
import Shared

/// Stamps the `Date` header of Hummingbird's responses from the loop's `LoopDateCache`, on the event loop that
/// writes them.
///
/// Hummingbird's handlers run as tasks, not necessarily on the connection's loop; every response head passes through
/// here on that loop, so the date costs no lock. Sits before `HTTP10ConnectionHandler` on the way out, so `Date`
/// precedes a `connection` header as on the fast path.
final class ResponseDateHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let dates: LoopDateCache

    init(dates: LoopDateCache) {
        self.dates = dates
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Interim responses (`100 Continue`) carry no date.
        guard case .head(var head) = unwrapOutboundIn(data), head.status.code >= 200 else {
            context.write(data, promise: promise)
            return
        }
        dates.refresh()
        head.headers.replaceOrAdd(name: "Date", value: dates.httpDate)
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }

    /// After a WebSocket upgrade the channel carries frames, not HTTP: step aside before they arrive.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if event is HTTPServerUpgradeEvents {
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
    }
}
