import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Puts a `CloseCodeEchoHandler` into a connection the moment it becomes a WebSocket.
///
/// The upgrade handler announces a completed upgrade before it passes on any byte that followed the upgrade request,
/// so installing here, synchronously, means the echo handler sees every frame — a close sent right after the
/// handshake included. Installing later, from the WebSocket handler task, would race with such a frame.
final class CloseCodeEchoInstaller: ChannelInboundHandler, RemovableChannelHandler {
    /// Never unwrapped: the installer only listens for the upgrade event and forwards everything else untouched.
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is HTTPServerUpgradeEvents else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let pipeline = context.pipeline.syncOperations
        do {
            let decoder = try pipeline.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            try pipeline.addHandler(CloseCodeEchoHandler(), position: .after(decoder))
        } catch {
            context.fireErrorCaught(error)
        }
        // Passed on before leaving: a removed handler's context no longer reaches the rest of the pipeline.
        context.fireUserInboundEventTriggered(event)
        pipeline.removeHandler(self, promise: nil)
    }
}
