import BalancerCore
/// Fails the child-channel initializer of a connection its event loop refused (`limits.max_connections`):
/// NIO then closes the socket before it is registered with the loop or given any handler, the cheapest way out.
///
/// NIO passes the error on behind its accept handler, where nothing acts on it: the listener's
/// `AcceptPauseHandler` sits before that handler and never sees it, so accepting goes on and the next client may
/// land on a loop with room.
struct ConnectionLimitReached: Error, Sendable {}
