import BalancerCore

/// A request a rate limit holds back (`delay`): its head, and the route that took it (its files or header edits),
/// kept until the delay is over and the request goes on as if it had just passed.
final class DelayedRequest {
    let head: HTTP1RequestHead
    /// nil for a request no route took.
    let route: RouteRuntime?

    init(head: HTTP1RequestHead, route: RouteRuntime?) {
        self.head = head
        self.route = route
    }
}
