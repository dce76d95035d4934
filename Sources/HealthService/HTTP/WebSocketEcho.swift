import Hummingbird
import HummingbirdWebSocket

/// `GET /api/ws`: echoes text and binary messages up to 16 MiB and the client's close code.
///
/// Pings are answered with pongs by hummingbird-websocket itself; the replica also pings idle clients every 30 s.
/// Close codes are echoed by `CloseCodeEchoHandler`, which `ReplicaConnectionSetup` installs on upgrade.
enum WebSocketEcho {
    static let maximumMessageBytes = 16 << 20

    static func router(instanceID: String, loops: ReplicaLoops) -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws("/api/ws") { request, _ in
            // The upgrade bypasses the HTTP router and its access log: log the switch here, as nginx logs a 101.
            let text = AccessLogMiddleware<BasicWebSocketRequestContext>.line(
                method: "GET", path: request.uri.path, status: 101, elapsed: .zero)
            loops.logRequest(text)
            return .upgrade([InstanceHeaderMiddleware<BasicWebSocketRequestContext>.headerName: instanceID])
        } onUpgrade: { inbound, outbound, _ in
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
