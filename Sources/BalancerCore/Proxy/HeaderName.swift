import Shared

/// The header names the proxy treats specially, recognised by one case-insensitive pass over the bytes and
/// without allocating (no `lowercased()` per header on the hot path).
package enum HeaderName: Equatable {
    /// Connection-specific: never forwarded (RFC 9110 §7.6.1).
    case connection, keepAlive, te, trailer, transferEncoding, upgrade, proxyPrefixed
    case contentLength, host, expect
    case xForwardedFor, xForwardedProto, xForwardedHost, xForwardedPort, xRealIP, xRequestID
    case cacheControl, expires
    /// What on-the-fly compression of a response reads and rewrites.
    case contentEncoding, contentType, etag, vary, acceptRanges
    /// What a request for files reads (its codings, preconditions and range), and the access log's fields: found
    /// among a request's lines by kind, so reading them makes no `String` of any other line.
    case acceptEncoding, range, ifRange, ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince
    case referer, userAgent
    case other

    package static func classify(_ name: String) -> HeaderName {
        var name = name
        return name.withUTF8 { classify($0) }
    }

    /// The kind of the name spelled by `bytes` (as received, any case). The length picks the few candidates, and
    /// a candidate that is not the name almost always differs in its first byte, so the bytes are read once.
    package static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> HeaderName {
        switch bytes.count {
        case 2: return equal(bytes, "te") ? .te : .other
        case 4:
            return equal(bytes, "host") ? .host : equal(bytes, "etag") ? .etag : equal(bytes, "vary") ? .vary : .other
        case 5: return equal(bytes, "range") ? .range : .other
        case 6: return equal(bytes, "expect") ? .expect : .other
        case 7:
            if equal(bytes, "upgrade") { return .upgrade }
            if equal(bytes, "trailer") { return .trailer }
            if equal(bytes, "expires") { return .expires }
            return equal(bytes, "referer") ? .referer : .other
        case 8:
            if equal(bytes, "if-range") { return .ifRange }
            return equal(bytes, "if-match") ? .ifMatch : prefixed(bytes)
        case 9: return equal(bytes, "x-real-ip") ? .xRealIP : prefixed(bytes)
        case 10:
            if equal(bytes, "connection") { return .connection }
            if equal(bytes, "keep-alive") { return .keepAlive }
            return equal(bytes, "user-agent") ? .userAgent : prefixed(bytes)
        case 12:
            if equal(bytes, "x-request-id") { return .xRequestID }
            return equal(bytes, "content-type") ? .contentType : prefixed(bytes)
        case 13:
            if equal(bytes, "cache-control") { return .cacheControl }
            if equal(bytes, "accept-ranges") { return .acceptRanges }
            return equal(bytes, "if-none-match") ? .ifNoneMatch : prefixed(bytes)
        case 14: return equal(bytes, "content-length") ? .contentLength : prefixed(bytes)
        case 15:
            if equal(bytes, "x-forwarded-for") { return .xForwardedFor }
            return equal(bytes, "accept-encoding") ? .acceptEncoding : prefixed(bytes)
        case 16:
            if equal(bytes, "x-forwarded-host") { return .xForwardedHost }
            if equal(bytes, "x-forwarded-port") { return .xForwardedPort }
            return equal(bytes, "content-encoding") ? .contentEncoding : prefixed(bytes)
        case 17:
            if equal(bytes, "transfer-encoding") { return .transferEncoding }
            if equal(bytes, "x-forwarded-proto") { return .xForwardedProto }
            return equal(bytes, "if-modified-since") ? .ifModifiedSince : prefixed(bytes)
        case 19: return equal(bytes, "if-unmodified-since") ? .ifUnmodifiedSince : prefixed(bytes)
        default: return prefixed(bytes)
        }
    }

    /// `Proxy-*` (Proxy-Authorization, Proxy-Connection, …) are hop-by-hop as well.
    private static func prefixed(_ bytes: UnsafeBufferPointer<UInt8>) -> HeaderName {
        guard bytes.count > 6 else { return .other }
        return equal(UnsafeBufferPointer(rebasing: bytes[0..<6]), "proxy-") ? .proxyPrefixed : .other
    }

    /// ASCII case-insensitive equality with a lower-case literal.
    @inline(__always)
    package static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
        HTTPBytes.equalsIgnoringCase(bytes, UnsafeBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount))
    }

    /// `Content-Length` and `Transfer-Encoding`: the balancer writes these from the framing it decided, never copies
    /// a peer's.
    package var isFraming: Bool { self == .contentLength || self == .transferEncoding }

    /// Names a `Connection` header cannot remove: the framing headers and `Host` (RFC 9110 §7.6.1 lets a sender
    /// list only connection options; honouring `Connection: Content-Length` is how a body gets smuggled).
    package var isProtectedFromConnection: Bool { isFraming || self == .host }

    package var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .te, .trailer, .transferEncoding, .upgrade, .proxyPrefixed: return true
        default: return false
        }
    }
}
