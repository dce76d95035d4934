import BalancerCore

/// What one check loop checks: a server, with its group's `health_check` settings and TLS.
struct HealthCheckTarget {
    let server: UpstreamServer
    let groupName: String
    let check: HealthCheckConfig
    /// The group's TLS, for checks that talk to the server the way requests do.
    let tls: UpstreamTLS?

    /// Whether a loop started for `other` may go on after a reload that asks for `self`: the same server object
    /// checked the same way. A server replaced by a new object (same id, changed line) gets a loop of its own.
    func isChecked(like other: HealthCheckTarget) -> Bool {
        server === other.server && check == other.check
    }
}
