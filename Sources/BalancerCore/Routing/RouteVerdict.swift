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
