import BalancerCore
/// Looks up the IPv4 addresses of an upstream's DNS name, off the event loops' request path.
///
/// Two implementations: `ResolverUDPClient` asks the configured `resolver:` over UDP, `ResolverSystem` asks the
/// C library (getaddrinfo) on a thread pool. Only A records / IPv4: a name such as `localhost` that also has an
/// IPv6 address must not gain a server the replica may not listen on.
protocol UpstreamNameResolver: Sendable {
    /// The addresses of `name`, dotted IPv4; throws with a sentence for the log when the lookup fails.
    func resolve(_ name: String) async throws -> [String]
}

/// A lookup that failed, worded for the one log line a failing name writes.
struct ResolverFailure: Error, CustomStringConvertible {
    var description: String
}
