import NIOHTTP1

/// Builds the request head the balancer sends upstream from the one the client sent: hop-by-hop headers removed,
/// `X-Forwarded-*`, `X-Real-IP` and `X-Request-ID` set, framing made explicit, `Host` passed as the client sent it.
///
/// One pass over the client's headers into a new list sized up front: no repeated scans or removals.
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
        bodyFraming: RequestBodyFraming,
        upgrade: Bool = false
    ) -> HTTPRequestHead {
        let listed = HopByHopHeaders.listedNames(in: head.headers)
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 6)
        var forwardedFor: String?
        var host: String?
        for (name, value) in head.headers {
            let kind = HeaderName.classify(name)
            if upgrade && kind == .upgrade {
                // A WebSocket upgrade is the one case where `Upgrade` crosses the proxy.
                headers.add(name: name, value: value)
                continue
            }
            if HopByHopHeaders.isHopByHop(name, kind: kind, listed: listed) { continue }
            switch kind {
            case .xForwardedFor:
                forwardedFor = forwardedFor.map { $0 + ", " + value } ?? value
            case .host:
                host = host ?? value
                headers.add(name: name, value: value)
            // Replaced below; `Expect: 100-continue` is answered by the balancer itself, as nginx does.
            case .xRealIP, .xForwardedProto, .xForwardedHost, .xRequestID, .expect:
                continue
            case .contentLength:
                if case .contentLength = bodyFraming { headers.add(name: name, value: value) }
            default:
                headers.add(name: name, value: value)
            }
        }
        headers.add(name: "X-Forwarded-For", value: forwardedFor.map { $0 + ", " + clientIP } ?? clientIP)
        headers.add(name: "X-Real-IP", value: clientIP)
        headers.add(name: "X-Forwarded-Proto", value: "http")
        if let host { headers.add(name: "X-Forwarded-Host", value: host) }
        headers.add(name: "X-Request-ID", value: requestID)
        if upgrade { headers.add(name: "Connection", value: "Upgrade") }
        switch bodyFraming {
        case .none:
            if head.method == .POST || head.method == .PUT || head.method == .PATCH {
                headers.add(name: "Content-Length", value: "0")
            }
        case .contentLength:
            break
        case .chunked:
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
    }
}

/// How a request carries its body.
enum RequestBodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int64)
    case chunked
}
