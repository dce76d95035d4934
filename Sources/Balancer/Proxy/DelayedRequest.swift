import BalancerCore

/// A request a rate limit holds back (`delay`): its head, and its route's files or header edits, kept until the
/// delay is over and the request goes on as if it had just passed.
final class DelayedRequest {
    let head: HTTP1RequestHead
    let staticRoute: StaticRoute?
    let edits: RequestHeaderRewrite?

    init(head: HTTP1RequestHead, staticRoute: StaticRoute?, edits: RequestHeaderRewrite?) {
        self.head = head
        self.staticRoute = staticRoute
        self.edits = edits
    }
}
