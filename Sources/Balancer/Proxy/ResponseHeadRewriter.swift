import NIOHTTP1

/// Turns an upstream's response head into the one the client receives: hop-by-hop headers removed, the
/// configured headers added where the upstream did not set them, the request id echoed, static-asset caching
/// applied, and the connection's keep-alive decided.
enum ResponseHeadRewriter {
    /// The rewritten head, whether the client connection can stay open after it, and how its body is framed.
    static func clientHead(
        from upstreamHead: HTTPResponseHead,
        clientVersion: HTTPVersion,
        clientKeepAlive: Bool,
        isHeadRequest: Bool,
        requestID: String,
        cache: StaticCachePolicy?,
        uri: String,
        snapshot: ProxySnapshot,
        dates: HTTPDateCache
    ) -> (head: HTTPResponseHead, keepAlive: Bool, framing: HTTP1OutgoingFraming) {
        let listed = HopByHopHeaders.listedNames(in: upstreamHead.headers)
        var headers = HTTPHeaders()
        headers.reserveCapacity(upstreamHead.headers.count + snapshot.responseHeaders.count + 6)
        var hasLength = false
        var hasCacheControl = false
        // Which configured headers the upstream already set: its own value wins, since it knows its content better
        // than a global default (e.g. a stricter X-Frame-Options: DENY stays). A bit per configured header; past
        // 64 of them the extra ones are simply always added.
        var configuredSeen: UInt64 = 0
        for (name, value) in upstreamHead.headers {
            let kind = HeaderName.classify(name)
            if HopByHopHeaders.isHopByHop(name, kind: kind, listed: listed) { continue }
            switch kind {
            case .contentLength: hasLength = true
            case .cacheControl: hasCacheControl = true
            case .xRequestID: continue
            default: break
            }
            for (index, configured) in snapshot.responseHeaders.enumerated()
            where index < 64 && configuredSeen & (1 << UInt64(index)) == 0 && HeaderName.same(configured.0, name) {
                configuredSeen |= 1 << UInt64(index)
            }
            headers.add(name: name, value: value)
        }
        for (index, configured) in snapshot.responseHeaders.enumerated()
        where index >= 64 || configuredSeen & (1 << UInt64(index)) == 0 {
            headers.add(name: configured.0, value: configured.1)
        }
        headers.add(name: "X-Request-ID", value: requestID)
        let code = upstreamHead.status.code
        if let cache, (200..<300).contains(code) || code == 304, !hasCacheControl, cache.applies(toURI: uri) {
            headers.add(name: "Cache-Control", value: cache.cacheControl)
            headers.replaceOrAdd(name: "Expires", value: dates.httpDate(secondsFromNow: cache.maxAgeSeconds))
        }

        let isHTTP10 = clientVersion.major == 1 && clientVersion.minor == 0
        let bodyless = isHeadRequest || code == 204 || code == 304 || (100..<200).contains(code)
        // An HTTP/1.0 client cannot read a chunked body, so without a length the body ends at connection close.
        let framed = bodyless || hasLength || !isHTTP10
        let keepAlive = clientKeepAlive && framed
        // Without a length, an HTTP/1.1 client gets the body chunked; an HTTP/1.0 one reads until the close.
        let chunked = !bodyless && !isHTTP10 && !hasLength
        if chunked { headers.add(name: "Transfer-Encoding", value: "chunked") }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if isHTTP10 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let version: HTTPVersion = isHTTP10 ? .http1_0 : .http1_1
        let head = HTTPResponseHead(version: version, status: upstreamHead.status, headers: headers)
        return (head, keepAlive, chunked ? .chunked : .raw)
    }
}
