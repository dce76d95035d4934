/// The one-line inventory `balancer check` prints: `2 upstreams, 4 servers, 3 routes, 2 listeners (1 TLS)`.
extension BalancerConfig {
    package var summary: String {
        let servers = upstreams.reduce(0) { $0 + $1.servers.count }
        return [
            Self.count(upstreams.count, "upstream"), Self.count(servers, "server"),
            Self.count(routes.count, "route"),
            Self.count(listen.count, "listener") + (tlsListeners.isEmpty ? "" : " (\(tlsListeners.count) TLS)"),
        ].joined(separator: ", ")
    }

    private static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}
