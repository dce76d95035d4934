import NIOHTTP1

/// Builds the request head the balancer sends upstream from the one the client sent: hop-by-hop headers removed,
/// `X-Forwarded-*`, `X-Real-IP` and `X-Request-ID` set, framing made explicit, `Host` passed as the client sent it.
enum ForwardedRequest {
    /// - Parameters:
    ///   - head: the client's request head.
    ///   - clientIP: the peer address of the client connection.
    ///   - requestID: the id chosen for this request (the client's own when sane).
    ///   - bodyFraming: how the client framed its body, re-stated explicitly towards the upstream.
    static func upstreamHead(
        from head: HTTPRequestHead,
        clientIP: String,
        requestID: String,
        bodyFraming: RequestBodyFraming
    ) -> HTTPRequestHead {
        var headers = head.headers
        HopByHopHeaders.strip(&headers)
        // The balancer answers `Expect: 100-continue` itself (as nginx does), so the upstream never waits for it.
        if headers.contains(name: "expect") { headers.remove(name: "expect") }

        if let previous = headers.first(name: "x-forwarded-for") {
            headers.replaceOrAdd(name: "X-Forwarded-For", value: previous + ", " + clientIP)
        } else {
            headers.add(name: "X-Forwarded-For", value: clientIP)
        }
        headers.replaceOrAdd(name: "X-Real-IP", value: clientIP)
        headers.replaceOrAdd(name: "X-Forwarded-Proto", value: "http")
        if let host = head.headers.first(name: "host") {
            headers.replaceOrAdd(name: "X-Forwarded-Host", value: host)
        }
        headers.replaceOrAdd(name: "X-Request-ID", value: requestID)

        switch bodyFraming {
        case .none:
            if head.method == .POST || head.method == .PUT || head.method == .PATCH {
                headers.replaceOrAdd(name: "content-length", value: "0")
            }
        case .contentLength:
            break
        case .chunked:
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        }
        var forwarded = HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
        forwarded.version = .http1_1
        return forwarded
    }
}

/// How a request carries its body.
enum RequestBodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int64)
    case chunked
}
