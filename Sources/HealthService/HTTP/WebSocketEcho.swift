import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The request context of WebSocket upgrades; keeps the connection's channel so the echo can adjust its pipeline.
struct WebSocketEchoContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<WebSocketEchoContext>
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }
}

/// `GET /api/ws`: echoes text and binary messages up to 16 MiB and the client's close code.
///
/// Pings are answered with pongs by hummingbird-websocket itself; the replica also pings idle clients every 30 s.
enum WebSocketEcho {
    static let maximumMessageBytes = 16 << 20

    static func router(instanceID: String, accessLogger: Logger) -> Router<WebSocketEchoContext> {
        let router = Router(context: WebSocketEchoContext.self)
        router.ws("/api/ws") { request, _ in
            // The upgrade bypasses the HTTP router and its access log: log the switch here, as nginx logs a 101.
            let text = AccessLogMiddleware<WebSocketEchoContext>.line(
                method: "GET", path: request.uri.path, status: 101, elapsed: .zero)
            accessLogger.info("\(text)", metadata: ["instance": "\(instanceID)"])
            return .upgrade([InstanceHeaderMiddleware<WebSocketEchoContext>.headerName: instanceID])
        } onUpgrade: { inbound, outbound, context in
            try await CloseCodeEchoHandler.install(on: context.requestContext.channel)
            for try await message in inbound.messages(maxSize: maximumMessageBytes) {
                switch message {
                case .text(let text): try await outbound.writeTextMessage(text)
                case .binary(let bytes): try await outbound.writeBinaryMessage(bytes)
                }
            }
        }
        return router
    }
}
