import NIOHTTP1

/// The routing of one config snapshot: the listener's redirect, the virtual host, the route and, for a `return`
/// route, its answer. Built once per snapshot; reads the request's `Host` only when a listener redirects, a route
/// names hosts or a `return` route answers.
///
/// A class, not a struct: the handler reaches it through the snapshot for every request, and a struct there would
/// be copied out of the class that holds it (a retain and release of each of its references) on every call.
package final class RequestRouting: Sendable {
    package let hosts: HostRouter
    /// Per route: its `return`, if any.
    private let answers: [ReturnConfig?]

    package init(config: BalancerConfig) {
        hosts = HostRouter(routes: config.routes, unknownHost: config.unknownHost)
        answers = config.routes.map(\.answer)
    }

    /// The verdict for `request`, received on a listener that does `edge`.
    package func verdict(for request: HTTP1RequestHead, on edge: ListenerEdge) -> RouteVerdict {
        let uri = request.uri
        if let redirect = edge.redirect {
            let decision = redirect.decide(
                method: request.method, host: Self.host(of: request), requestURI: request.requestURI,
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
            let host = Self.host(of: request)
            return .answer(answer.answer(scheme: edge.scheme, host: host, requestURI: request.requestURI))
        case .noRoute:
            return .refuse(.notFound)
        case .unknownHost(let status):
            return .refuse(HTTPResponseStatus(statusCode: status))
        }
    }

    /// The request's host as a redirect or `$host` writes it; read only on those paths.
    private static func host(of request: HTTP1RequestHead) -> Substring? {
        request.first(.host).map(HostRouter.normalizedHost)
    }
}
