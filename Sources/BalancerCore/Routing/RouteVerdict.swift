import NIOHTTP1

/// What the routing decided for one request head; `ProxyStateMachine.requestHeadReceived` turns it into the action.
package enum RouteVerdict: Equatable {
    /// Proxy on route `route` (an index into the config's routes).
    case proxy(route: Int)
    /// Answer with a response of the configuration (`return`, the HTTPS redirect).
    case answer(LocalAnswer)
    /// Answer with an error status (404 no route, 421/404 unknown host, 400 no host to redirect to).
    case refuse(HTTPResponseStatus)
}

/// The routing of one config snapshot: the listener's redirect, the virtual host, the route and, for a `return`
/// route, its answer. Built once per snapshot; reads the request's `Host` only when a listener redirects, a route
/// names hosts or a `return` uses `$host`.
package struct RequestRouting: Sendable {
    package let hosts: HostRouter
    /// Per route: its `return`, if any.
    private let answers: [ReturnConfig?]

    package init(config: BalancerConfig) {
        hosts = HostRouter(routes: config.routes, unknownHost: config.unknownHost)
        answers = config.routes.map(\.answer)
    }

    /// The verdict for `request`, received on a listener that does `edge`.
    package func verdict(for request: HTTP1RequestHead, on edge: ListenerEdge) -> RouteVerdict {
        let uri = request.head.uri
        var host: Substring??
        func requestHost() -> Substring? {
            if let host { return host }
            let value = request.first(.host).map(HostRouter.normalizedHost)
            host = .some(value)
            return value
        }
        if let redirect = edge.redirect {
            let decision = redirect.decide(
                method: request.head.method, host: requestHost(), requestURI: request.requestURI,
                path: Router.path(of: uri))
            switch decision {
            case .redirect(let answer): return .answer(answer)
            case .noHost: return .refuse(.badRequest)
            case .exempt: break
            }
        }
        let match = hosts.match(host: hosts.hasVirtualHosts ? request.first(.host) : nil, uri: uri)
        switch match {
        case .route(let index):
            guard let answer = answers[index] else { return .proxy(route: index) }
            return .answer(answer.answer(scheme: edge.scheme, host: requestHost(), requestURI: request.requestURI))
        case .noRoute:
            return .refuse(.notFound)
        case .unknownHost(let status):
            return .refuse(HTTPResponseStatus(statusCode: status))
        }
    }
}

extension HTTP1RequestHead {
    /// The target as the client sent it when it is origin-form (nginx's `$request_uri`); the normalised target
    /// otherwise (absolute-form becomes origin-form, `*` stays).
    package var requestURI: String {
        bytes.withUnsafeReadableBytes { source in
            let line = source[requestLine]
            guard let space = line.firstIndex(of: HTTP1Bytes.sp), line.index(after: space) < line.endIndex,
                line[line.index(after: space)] == UInt8(ascii: "/")
            else { return head.uri }
            return String(decoding: UnsafeRawBufferPointer(rebasing: line[line.index(after: space)...]), as: UTF8.self)
        }
    }
}
