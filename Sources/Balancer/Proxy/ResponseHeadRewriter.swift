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
        var headers = upstreamHead.headers
        HopByHopHeaders.strip(&headers)
        // The upstream's own value wins: it knows its content better than a global default (e.g. a stricter
        // X-Frame-Options: DENY stays).
        for (name, value) in snapshot.responseHeaders where !headers.contains(name: name) {
            headers.add(name: name, value: value)
        }
        headers.replaceOrAdd(name: "X-Request-ID", value: requestID)
        let code = upstreamHead.status.code
        if let cache, (200..<300).contains(code) || code == 304, !headers.contains(name: "cache-control"),
            cache.applies(toURI: uri)
        {
            headers.add(name: "Cache-Control", value: cache.cacheControl)
            headers.replaceOrAdd(name: "Expires", value: dates.httpDate(secondsFromNow: cache.maxAgeSeconds))
        }

        let isHTTP10 = clientVersion.major == 1 && clientVersion.minor == 0
        let bodyless = isHeadRequest || code == 204 || code == 304 || (100..<200).contains(code)
        // An HTTP/1.0 client cannot read a chunked body, so without a length the body ends at connection close.
        let framed = bodyless || headers.contains(name: "content-length") || !isHTTP10
        let keepAlive = clientKeepAlive && framed
        // Without a length, an HTTP/1.1 client gets the body chunked; an HTTP/1.0 one reads until the close.
        let chunked = !bodyless && !isHTTP10 && !headers.contains(name: "content-length")
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
