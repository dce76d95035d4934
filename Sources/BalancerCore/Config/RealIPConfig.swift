/// Where `real_ip` reads the client's address.
package enum RealIPSource: Sendable, Hashable {
    /// A request header: `X-Forwarded-For` (every line, as one list), `X-Real-IP` or any other name.
    case header(String)
    /// The PROXY protocol header of the connection (`listen` entries with `proxy_protocol: true`).
    case proxyProtocol
}

/// `real_ip:` — nginx's `set_real_ip_from`, `real_ip_header` and `real_ip_recursive`.
package struct RealIPConfig: Sendable, Hashable {
    /// The proxies and load balancers whose word is taken (`set_real_ip_from`).
    package var from: [CIDRRange]
    /// nginx's default is `X-Real-IP`.
    package var source: RealIPSource = .header("X-Real-IP")
    package var recursive = false
}
