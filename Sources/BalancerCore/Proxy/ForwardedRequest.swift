import NIOCore
import NIOHTTP1

/// Writes the request head the balancer sends upstream from the one the client sent: hop-by-hop headers removed,
/// `X-Forwarded-*`, `X-Real-IP` and `X-Request-ID` set, `Host` passed as the client sent it, the target normalised
/// (unless configured otherwise) and the body framing written from the framing the decoder decided.
///
/// One pass over the client's header lines, each kept line copied byte for byte from the received head: no
/// `String` per header and no intermediate header list. Which lines may be copied at all is decided by
/// `HTTP1ReceivedHead.forEachForwardedField`, never here.
package enum ForwardedRequest {
    /// - Parameters:
    ///   - request: the client's request head as received and checked (its framing is `request.framing`).
    ///   - client: the peer address of the client connection and the lines made of it.
    ///   - requestID: the id chosen for this request (the client's own when sane).
    ///   - normalizePath: send the normalised target (`proxy.normalize_path`) rather than the client's bytes.
    ///   - underscoresInHeaders: forward header names containing `_` (`limits.underscores_in_headers`).
    ///   - upgrade: a WebSocket upgrade, the one case where `Upgrade` crosses the proxy.
    ///   - edits: the route's `request_headers`; nil (the usual case) costs nothing per line.
    package static func writeUpstreamHead(
        _ request: HTTP1RequestHead,
        client: ClientAddressLines,
        requestID: RequestID,
        normalizePath: Bool = true,
        underscoresInHeaders: Bool = false,
        upgrade: Bool = false,
        edits: RequestHeaderRewrite? = nil,
        into out: inout ByteBuffer
    ) {
        var forwardedFor: [Range<Int>] = []
        var host: Range<Int>?
        request.bytes.withUnsafeReadableBytes { source in
            let line = UnsafeRawBufferPointer(rebasing: source[request.requestLine])
            if normalizePath && request.targetWasNormalized, let space = line.firstIndex(of: HTTP1Bytes.sp) {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: line[...space]))
                out.writeString(request.uri)
            } else {
                out.writeBytes(line)
            }
        }
        out.writeStaticString(" HTTP/1.1\r\n")
        request.forEachForwardedField(keepUpgrade: upgrade) { field, source in
            // Dropped as nginx drops them: `X_Real_IP` would reach a CGI-style app as `X-Real-IP`.
            if !underscoresInHeaders && field.kind == .other
                && source[field.name].contains(UInt8(ascii: "_"))
            {
                return
            }
            switch field.kind {
            case .xForwardedFor:
                forwardedFor.append(field.value)
                return
            case .host:
                // `X-Forwarded-Host` says what the client asked for, even when the route replaces `Host`.
                if host == nil { host = field.value }
            // Replaced below; `Expect: 100-continue` is answered by the balancer itself, as nginx does.
            case .xRealIP, .xForwardedProto, .xForwardedHost, .xForwardedPort, .xRequestID, .expect:
                return
            default:
                break
            }
            if let edits, edits.drops(UnsafeRawBufferPointer(rebasing: source[field.name])) { return }
            field.writeLine(from: source, into: &out)
        }
        request.bytes.withUnsafeReadableBytes { source in
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
        requestID.write(into: &out)
        out.writeStaticString("\r\n")
        if let edits { out.writeBytes(edits.lines) }
        if upgrade { out.writeStaticString("Connection: Upgrade\r\n") }
        let framing = request.framing
        if framing == .none, request.method.usuallyHasBody {
            // A body-less request of a method that usually has one says so, as nginx does.
            HTTP1Framing.contentLength(0).writeLine(into: &out)
        } else {
            framing.writeLine(into: &out)
        }
        out.writeStaticString("\r\n")
    }
}
