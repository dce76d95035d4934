import NIOHTTP1

/// Recognises WebSocket upgrade requests: `GET` with `Upgrade: websocket` and `Connection` listing `upgrade`.
/// Only these keep their `Upgrade` header on the way upstream; other upgrades (h2c…) are stripped like any
/// hop-by-hop header, so the upstream answers them over plain HTTP/1.1.
package enum WebSocketUpgrade {
    package static func isRequest(_ head: HTTPRequestHead) -> Bool {
        guard head.method == .GET, head.version == .http1_1 else { return false }
        var upgrade = false
        var connection = false
        for (name, value) in head.headers {
            switch HeaderName.classify(name) {
            case .upgrade:
                upgrade =
                    upgrade
                    || value.split(separator: ",").contains {
                        $0.trimmingASCIIWhitespaceSubstring().lowercased() == "websocket"
                    }
            case .connection:
                connection =
                    connection
                    || value.split(separator: ",").contains {
                        $0.trimmingASCIIWhitespaceSubstring().lowercased() == "upgrade"
                    }
            default:
                break
            }
        }
        return upgrade && connection
    }
}
