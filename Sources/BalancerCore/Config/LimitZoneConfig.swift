import Shared

/// What tells a limit zone's clients apart: nginx's key variable of `limit_req_zone` / `limit_conn_zone`.
package enum LimitKey: Sendable, Hashable, CustomStringConvertible {
    /// The client's address as the balancer resolved it (`real_ip`), nginx's `$binary_remote_addr`.
    case clientAddress
    /// One bucket per route, shared by every client of it (nginx: a constant key in the `location`).
    case route
    /// The value of a request header (nginx: `$http_x_api_key`); a request without it is not counted, as nginx
    /// does not count an empty key.
    case header(String)

    package var description: String {
        switch self {
        case .clientAddress: return "client_address"
        case .route: return "route"
        case .header(let name): return "header:\(name)"
        }
    }
}

/// `rate_limits.NAME:` — nginx's `limit_req_zone KEY zone=NAME:SIZE rate=RATE` plus `limit_req_status`.
package struct RateLimitZoneConfig: Sendable, Hashable {
    package var name: String
    package var key: LimitKey
    package var rate: RequestRate
    /// The zone's memory, as nginx sizes zones; it holds as many keys as fit (`LimitZoneTable.capacity(forBytes:)`).
    package var size: NginxSize
    /// The answer to a refused request (nginx's `limit_req_status`, whose default is 503).
    package var status: Int = BalancerConfig.defaultLimitStatus
}

/// `connection_limits.NAME:` — nginx's `limit_conn_zone KEY zone=NAME:SIZE` plus `limit_conn_status`.
package struct ConnectionLimitZoneConfig: Sendable, Hashable {
    package var name: String
    package var key: LimitKey
    package var size: NginxSize
    package var status: Int = BalancerConfig.defaultLimitStatus
}

/// `rate_limit: {zone, burst, nodelay | delay}` on a route or at the top — nginx's `limit_req`.
package struct RateLimitRule: Sendable, Hashable {
    package var zone: String
    package var burst: Int = 0
    /// Requests past the rate that pass at once before the rest are delayed (`delay: N`); nil for `nodelay`
    /// (none is delayed). nginx's default is 0: every request past the rate waits its turn.
    package var delay: Int? = 0
}

/// `connection_limit: {zone, max}` on a route or at the top — nginx's `limit_conn ZONE NUMBER`.
package struct ConnectionLimitRule: Sendable, Hashable {
    package var zone: String
    /// Requests in progress per key; the next one is refused.
    package var max: Int
}
