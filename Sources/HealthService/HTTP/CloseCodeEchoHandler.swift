import NIOCore
import NIOWebSocket

/// Makes the WebSocket close handshake echo the client's close code (and reason), as RFC 6455 §5.5.1 suggests.
///
/// hummingbird-websocket answers every valid close with 1000; the balancer's tests need to see that a close code
/// crossed the proxy in both directions. This handler sits after the frame decoder: it remembers the peer's close
/// payload and, when the library's automatic reply is a plain 1000, substitutes the remembered payload. Replies the
/// library chose for a reason (protocol errors, oversized messages) pass unchanged.
final class CloseCodeEchoHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var peerClosePayload: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.opcode == .connectionClose {
            peerClosePayload = frame.unmaskedData
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var frame = unwrapOutboundIn(data)
        if frame.opcode == .connectionClose, let payload = peerClosePayload,
            Self.closeCode(of: frame.data) == 1000, let peerCode = Self.closeCode(of: payload),
            peerCode != 1000, Self.isSendable(peerCode)
        {
            frame.data = payload
        }
        context.write(wrapOutboundOut(frame), promise: promise)
    }

    /// The status code at the start of a close payload; nil when the payload is empty.
    static func closeCode(of payload: ByteBuffer) -> UInt16? {
        payload.getInteger(at: payload.readerIndex, as: UInt16.self)
    }

    /// Codes an endpoint may put on the wire (RFC 6455 §7.4): 1005, 1006 and 1015 are reserved for reporting only.
    static func isSendable(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

}
