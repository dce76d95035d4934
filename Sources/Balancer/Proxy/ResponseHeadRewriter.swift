import BalancerCore
import NIOCore
import NIOHTTP1
import Shared

/// Writes the head the client receives from an upstream's response head: hop-by-hop headers removed, the configured
/// headers added where the upstream did not set them, the request id echoed, static-asset caching applied, and the
/// connection's keep-alive decided. When the body is gzipped on its way (`compressed`), the head says so: the
/// coding, `Vary: Accept-Encoding`, a weak ETag, no `Accept-Ranges`, and a framing for a length not known yet.
///
/// The upstream's other header lines are copied byte for byte from the received head: no `String` per header, no
/// intermediate header list.
enum ResponseHeadRewriter {
    /// Writes the client's head into `out`; returns whether the client connection can stay open after it and how
    /// its body is framed. `connectionHeader`: a header of the client's listener (`Strict-Transport-Security` on
    /// TLS), added like a configured header unless the upstream set its own.
    static func writeClientHead(
        _ upstreamHead: HTTP1ResponseHead,
        clientVersion: HTTPVersion,
        clientKeepAlive: Bool,
        isHeadRequest: Bool,
        requestID: RequestID,
        cache: StaticCachePolicy?,
        uri: @autoclosure () -> String,
        snapshot: ProxySnapshot,
        dates: HTTPDateCache,
        compressed: Bool = false,
        connectionHeader: EncodedHeaderLine? = nil,
        into out: inout ByteBuffer
    ) -> (keepAlive: Bool, framing: HTTP1OutgoingFraming) {
        var hasCacheControl = false
        for field in upstreamHead.fields { if case .cacheControl = field.kind { hasCacheControl = true } }
        let code = upstreamHead.status
        var cacheControl: String?
        if let cache, (200..<300).contains(code) || code == 304, !hasCacheControl, cache.applies(toURI: uri()) {
            cacheControl = cache.cacheControl
        }
        let isHTTP10 = clientVersion.major == 1 && clientVersion.minor == 0
        // The client's framing comes from the framing the decoder read, never from the upstream's lines.
        let framing: HTTP1Framing
        var closeDelimited = false
        switch upstreamHead.framing {
        case .none:
            // No body follows. HEAD and 304 keep the length the upstream declared (it describes the full
            // representation); 204 and 1xx carry none (RFC 9110 §8.6).
            let describesBody = isHeadRequest || code == 304
            framing = describesBody ? upstreamHead.declaredLength.map { .contentLength($0) } ?? .none : .none
        case .length where compressed:
            framing = isHTTP10 ? .none : .chunked
            closeDelimited = isHTTP10
        case .length(let length):
            framing = .contentLength(length)
        case .chunked, .untilClose:
            // An HTTP/1.0 client cannot read a chunked body: its body ends at the close instead.
            framing = isHTTP10 ? .none : .chunked
            closeDelimited = isHTTP10
        }
        let keepAlive = clientKeepAlive && !closeDelimited

        out.writeStaticString(isHTTP10 ? "HTTP/1.0 " : "HTTP/1.1 ")
        writeStatus(upstreamHead, into: &out)
        // Which configured headers the upstream already set: its own value wins, since it knows its content better
        // than a global default (e.g. a stricter X-Frame-Options: DENY stays). A bit per configured header; past
        // 64 of them the extra ones are simply always added.
        let configured = snapshot.responseHeaderLines
        var configuredSeen: UInt64 = 0
        var transformed = compressed ? CompressedHead() : nil
        var connectionHeaderSeen = false
        upstreamHead.forEachForwardedField(keepUpgrade: false) { field, source in
            switch field.kind {
            case .xRequestID: return
            case .expires where cacheControl != nil: return  // replaced below
            case .etag, .vary, .acceptRanges:
                if transformed != nil {
                    transformed?.read(field, source)  // rewritten below
                    return
                }
            default: break
            }
            let name = UnsafeRawBufferPointer(rebasing: source[field.name])
            if let connectionHeader, !connectionHeaderSeen, connectionHeader.matches(name) {
                connectionHeaderSeen = true
            }
            for index in 0..<min(configured.count, 64)
            where configuredSeen & (1 << UInt64(index)) == 0 && configured[index].matches(name) {
                configuredSeen |= 1 << UInt64(index)
            }
            field.writeLine(from: source, into: &out)
        }
        if configuredSeen == 0 {
            out.writeBytes(snapshot.responseHeaderBlock)
        } else {
            for index in configured.indices where index >= 64 || configuredSeen & (1 << UInt64(index)) == 0 {
                out.writeBytes(configured[index].line)
            }
        }
        if let connectionHeader, !connectionHeaderSeen { out.writeBytes(connectionHeader.line) }
        writeRequestID(requestID, into: &out)
        transformed?.write(into: &out)
        if let cacheControl, let cache {
            out.writeStaticString("Cache-Control: ")
            out.writeString(cacheControl)
            out.writeStaticString("\r\nExpires: ")
            out.writeString(dates.httpDate(secondsFromNow: cache.maxAgeSeconds))
            out.writeStaticString("\r\n")
        }
        framing.writeLine(into: &out)
        if !keepAlive {
            out.writeStaticString("Connection: close\r\n")
        } else if isHTTP10 {
            out.writeStaticString("Connection: keep-alive\r\n")
        }
        out.writeStaticString("\r\n")
        return (keepAlive, framing.isChunked ? .chunked : .raw)
    }

    /// The `101 Switching Protocols` head relayed to a client whose connection becomes a tunnel: `Upgrade` crosses
    /// (it is the point), other hop-by-hop headers do not, and the request id is the balancer's.
    static func writeSwitchingProtocolsHead(
        _ upstreamHead: HTTP1ResponseHead,
        requestID: RequestID,
        into out: inout ByteBuffer
    ) {
        out.writeStaticString("HTTP/1.1 ")
        writeStatus(upstreamHead, into: &out)
        upstreamHead.forEachForwardedField(keepUpgrade: true) { field, source in
            guard field.kind != .xRequestID else { return }
            field.writeLine(from: source, into: &out)
        }
        out.writeStaticString("Connection: Upgrade\r\n")
        writeRequestID(requestID, into: &out)
        out.writeStaticString("\r\n")
    }

    /// `code SP reason CRLF`, copied from the upstream's status line (`HTTP/1.x ` is 9 bytes; the parser checked
    /// the three digits at 9..<12); the space is written when the upstream left it out.
    private static func writeStatus(_ head: HTTP1ResponseHead, into out: inout ByteBuffer) {
        head.bytes.withUnsafeReadableBytes { source in
            if head.reason.lowerBound == 13 {
                _ = out.writeBytes(UnsafeRawBufferPointer(rebasing: source[9..<head.reason.upperBound]))
            } else {
                _ = out.writeBytes(UnsafeRawBufferPointer(rebasing: source[9..<12]))
                _ = out.writeStaticString(" ")
            }
        }
        out.writeStaticString("\r\n")
    }

    private static func writeRequestID(_ requestID: RequestID, into out: inout ByteBuffer) {
        out.writeStaticString("X-Request-ID: ")
        requestID.write(into: &out)
        out.writeStaticString("\r\n")
    }
}

/// The header lines a gzipped response rewrites: its entity tag made weak (the bytes differ, the meaning does
/// not), `Accept-Encoding` added to its `Vary`, and `Accept-Ranges` dropped (a range of a body compressed on the
/// fly cannot be served).
private struct CompressedHead {
    private var etag: String?
    private var vary: [String] = []

    mutating func read(_ field: HTTP1HeaderField, _ source: UnsafeRawBufferPointer) {
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: source[field.value]), as: UTF8.self)
        switch field.kind {
        case .etag: etag = value
        case .vary: vary.append(value)
        default: break
        }
    }

    func write(into out: inout ByteBuffer) {
        out.writeStaticString("Content-Encoding: gzip\r\n")
        if let etag, let tag = EntityTag.parse(Substring(etag)) {
            out.writeStaticString("ETag: ")
            out.writeString(tag.weakened.description)
            out.writeStaticString("\r\n")
        }
        let listed = vary.flatMap { $0.split(separator: ",").map { String($0).trimmingASCIIWhitespace() } }
        out.writeStaticString("Vary: ")
        if listed.contains("*") {
            out.writeStaticString("*")
        } else {
            let names = listed.filter { $0.lowercased() != "accept-encoding" } + ["Accept-Encoding"]
            out.writeString(names.joined(separator: ", "))
        }
        out.writeStaticString("\r\n")
    }
}
