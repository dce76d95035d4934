import NIOHTTP1

/// Recognises WebSocket upgrade requests: `GET` with `Upgrade: websocket` and `Connection` listing `upgrade`.
/// Only these keep their `Upgrade` header on the way upstream; other upgrades (h2c…) are stripped like any
/// hop-by-hop header, so the upstream answers them over plain HTTP/1.1.
package enum WebSocketUpgrade {
    /// Reads the two headers' values as received, token by token (ASCII case-insensitive, as tokens compare):
    /// nothing is made into text.
    package static func isRequest(_ head: HTTP1RequestHead) -> Bool {
        guard head.method.isGET, head.version == .http1_1 else { return false }
        var upgrade = false
        var connection = false
        head.bytes.withUnsafeReadableBytes { bytes in
            for field in head.fields {
                switch field.kind {
                case .upgrade: upgrade = upgrade || lists(bytes, field.value, "websocket")
                case .connection: connection = connection || lists(bytes, field.value, "upgrade")
                default: break
                }
            }
        }
        return upgrade && connection
    }

    /// Whether the comma-separated list `bytes[value]` has the element `token`.
    private static func lists(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>, _ token: StaticString) -> Bool {
        var found = false
        HTTP1Bytes.forEachListElement(bytes, value) { element in
            if HeaderName.equal(element, token) { found = true }
        }
        return found
    }
}
