import NIOCore
import NIOHTTP1

/// Writes the request head the balancer sends upstream from the one the client sent: hop-by-hop headers removed,
/// `X-Forwarded-*`, `X-Real-IP` and `X-Request-ID` set, framing made explicit, `Host` passed as the client sent it.
///
/// One pass over the client's header lines, each kept line copied byte for byte from the received head: no
/// `String` per header and no intermediate header list.
enum ForwardedRequest {
    /// - Parameters:
    ///   - request: the client's request head as received.
    ///   - client: the peer address of the client connection and the lines made of it.
    ///   - requestID: the id chosen for this request (the client's own when sane).
    ///   - bodyFraming: how the client framed its body, re-stated explicitly towards the upstream.
    ///   - upgrade: a WebSocket upgrade, the one case where `Upgrade` crosses the proxy.
    static func writeUpstreamHead(
        _ request: HTTP1RequestHead,
        client: ClientAddressLines,
        requestID: String,
        bodyFraming: RequestBodyFraming,
        upgrade: Bool = false,
        into out: inout ByteBuffer
    ) {
        // Names listed in `Connection` are rare; only then are they read as text.
        let listed = request.connectionListedNames
        var forwardedFor: [Range<Int>] = []
        var host: Range<Int>?
        request.bytes.withUnsafeReadableBytes { source in
            out.writeBytes(UnsafeRawBufferPointer(rebasing: source[request.requestLine]))
            out.writeStaticString(" HTTP/1.1\r\n")
            for field in request.fields {
                let kind = field.kind
                if !(upgrade && kind == .upgrade) {
                    if kind.isHopByHop { continue }
                    if HopByHopHeaders.isListed(UnsafeRawBufferPointer(rebasing: source[field.name]), in: listed) {
                        continue
                    }
                }
                switch kind {
                case .xForwardedFor:
                    forwardedFor.append(field.value)
                    continue
                case .host:
                    if host == nil { host = field.value }
                // Replaced below; `Expect: 100-continue` is answered by the balancer itself, as nginx does.
                case .xRealIP, .xForwardedProto, .xForwardedHost, .xRequestID, .expect:
                    continue
                case .contentLength:
                    guard case .contentLength = bodyFraming else { continue }
                default:
                    break
                }
                out.writeBytes(UnsafeRawBufferPointer(rebasing: source[field.line]))
                out.writeStaticString("\r\n")
            }
            out.writeStaticString("X-Forwarded-For: ")
            for value in forwardedFor {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: source[value]))
                out.writeStaticString(", ")
            }
            out.writeBytes(client.bytes)
            if let host {
                out.writeStaticString("X-Forwarded-Host: ")
                out.writeBytes(UnsafeRawBufferPointer(rebasing: source[host]))
                out.writeStaticString("\r\n")
            }
        }
        out.writeStaticString("X-Request-ID: ")
        out.writeString(requestID)
        out.writeStaticString("\r\n")
        if upgrade { out.writeStaticString("Connection: Upgrade\r\n") }
        switch bodyFraming {
        case .none:
            let method = request.head.method
            if method == .POST || method == .PUT || method == .PATCH { out.writeStaticString("Content-Length: 0\r\n") }
        case .contentLength:
            break
        case .chunked:
            out.writeStaticString("Transfer-Encoding: chunked\r\n")
        }
        out.writeStaticString("\r\n")
    }
}

/// How a request carries its body.
enum RequestBodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int64)
    case chunked
}
