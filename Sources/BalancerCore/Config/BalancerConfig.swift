import Shared

/// The validated, immutable configuration the balancer runs on: one snapshot per load or reload.
///
/// Built only by `ConfigLoader`, which parses YAML and checks every semantic rule, so code that holds a
/// `BalancerConfig` never re-validates. Types are value types so a reload can diff the old and new snapshot.
package struct BalancerConfig: Sendable, Equatable {
    /// Public listeners (`listen: [0.0.0.0:80, {address: 0.0.0.0:443, tls: {...}}]`, `proxy_protocol: true`
    /// on entries behind a load balancer that sends it).
    package var listen: [ListenerConfig]
    package var admin: AdminConfig
    /// Number of event loops; `auto` resolved to the core count at load time.
    package var workers: Int
    package var limits: LimitsConfig
    package var proxy: ProxyConfig
    /// Headers added to every response, error responses included, in file order.
    package var responseHeaders: [HeaderField]
    /// Upstream groups in file order.
    package var upstreams: [UpstreamConfig]
    /// Routes in file order (matching precedence is the router's business, not the order alone).
    package var routes: [RouteConfig]
    /// `unknown_host:` — the status for a request whose `Host` no route's `hosts` names when every route names
    /// hosts (no default server): 421 Misdirected Request or 404.
    package var unknownHost: UnknownHostStatus = .misdirected
    package var accessLog: AccessLogTarget
    package var logFormat: LogFormat
    /// Where `serve` writes its pid and `reload` reads it.
    package var pidFile: String?
    /// How long a shutdown or reload waits for in-flight work before closing it.
    package var shutdownTimeout: NginxDuration
    /// The file this snapshot was read from (for messages).
    package var sourcePath: String
    /// `resolver:` — the DNS server (an IP literal and port) asked for upstream names, as nginx's `resolver`;
    /// nil = the system resolver (getaddrinfo, so /etc/hosts and /etc/resolv.conf apply).
    package var resolver: HostPort? = nil
    /// `worker_rlimit_nofile:` — the open-files limit (RLIMIT_NOFILE) `serve` sets at start, as nginx's
    /// directive of that name; nil = the hard limit, so a low soft limit (often 1024) never caps connections.
    package var workerRlimitNofile: Int? = nil
    /// `gzip:` — on-the-fly compression; nil = off, as nginx's `gzip` is by default.
    package var gzip: GzipConfig? = nil
    /// `open_file_cache:` — what each event loop remembers about the files of static routes.
    package var openFileCache = OpenFileCacheConfig()
    /// `rate_limits:` — request-rate zones (nginx's `limit_req_zone`), in file order.
    package var rateLimitZones: [RateLimitZoneConfig] = []
    /// `connection_limits:` — zones counting requests in progress (nginx's `limit_conn_zone`), in file order.
    package var connectionLimitZones: [ConnectionLimitZoneConfig] = []
    /// `rate_limit:` at the top: applied to every route without a `rate_limit` of its own, and to requests no
    /// route takes (nginx's `limit_req` at the `http` level, inherited by locations without their own).
    package var rateLimit: [RateLimitRule] = []
    /// `connection_limit:` at the top, inherited the same way (nginx's `limit_conn`).
    package var connectionLimit: [ConnectionLimitRule] = []
    /// `real_ip:` — whose forwarding headers or PROXY header name the client; nil = the peer is the client.
    package var realIP: RealIPConfig? = nil

    package func upstream(named name: String) -> UpstreamConfig? { upstreams.first { $0.name == name } }
}

/// `host:port`, as written in the config. The host may be an IPv4/IPv6 literal or a DNS name.
package struct HostPort: Sendable, Hashable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One `Name: value` pair.
package struct HeaderField: Sendable, Hashable {
    package var name: String
    package var value: String
}

/// `admin:` — the status page and metrics listener, and who may reach it.
package struct AdminConfig: Sendable, Equatable {
    package var listen: HostPort
    /// `basic_auth:` — one user whose password is stored as a SHA-256 hex digest, never in clear.
    package var basicAuth: AdminBasicAuth? = nil
    /// `allow:` — client networks (CIDR) that may connect; empty = no address restriction.
    package var allow: [CIDRRange] = []
}

/// `admin.basic_auth:` — `{user: ops, password_sha256: <64 hex digits>}`.
package struct AdminBasicAuth: Sendable, Equatable {
    package var user: String
    /// Lower-case hex SHA-256 of the password.
    package var passwordSHA256: String
}

/// `limits:` — what a client may send and how long it may take.
package struct LimitsConfig: Sendable, Equatable {
    package var clientMaxBodySize: NginxSize = NginxSize(bytes: 50 << 20)
    package var clientHeaderTimeout: NginxDuration = .seconds(10)
    /// Longest wait between two reads of a request body (nginx's `client_body_timeout`); a client that stalls
    /// gets 408 and its server is not blamed.
    package var clientBodyTimeout: NginxDuration = .seconds(60)
    /// Longest wait for a slow client to take more of a response (nginx's `send_timeout`); then both connections
    /// close and the server is not blamed.
    package var sendTimeout: NginxDuration = .seconds(60)
    /// Forward request header names containing `_` (nginx's `underscores_in_headers`, off by default): servers that
    /// map names to variables (CGI, WSGI) read `X_Real_IP` as `X-Real-IP`, so a client could plant one.
    package var underscoresInHeaders = false
    package var keepaliveTimeout: NginxDuration = .seconds(75)
    package var maxHeaderSize: NginxSize = NginxSize(bytes: 16 << 10)
    /// Client connections one event loop keeps open (nginx's `worker_connections`); one accepted past it is
    /// closed at once. Default: `BalancerConfig.defaultMaxConnections`.
    package var maxConnections: Int = BalancerConfig.defaultMaxConnections
}

/// When a failed attempt may be tried again on the next server (nginx's `proxy_next_upstream`).
package enum NextUpstreamCondition: String, Sendable, Hashable, CaseIterable {
    case error, timeout
    case http502 = "http_502"
    case http503 = "http_503"
    case http504 = "http_504"
    case nonIdempotent = "non_idempotent"
    case off
}

/// `proxy:` — how the balancer talks to upstreams.
package struct ProxyConfig: Sendable, Equatable {
    package var connectTimeout: NginxDuration = .seconds(5)
    package var readTimeout: NginxDuration = .seconds(60)
    package var sendTimeout: NginxDuration = .seconds(60)
    package var nextUpstreamTries: Int = 3
    package var nextUpstream: Set<NextUpstreamCondition> = [.error, .timeout]
    /// 0 = unlimited, as nginx's `proxy_next_upstream_timeout`.
    package var nextUpstreamTimeout: NginxDuration = .seconds(0)
    package var websocketIdleTimeout: NginxDuration = .seconds(3600)
    /// Send the normalised path upstream (dot segments removed, slashes merged, unreserved escapes decoded), as
    /// Envoy's `normalize_path`; false keeps the target as the client sent it. Routing always uses the normalised
    /// path.
    package var normalizePath = true
}

/// The balancing policy of a group.
package enum BalanceMethod: String, Sendable, Hashable {
    case leastConn = "least_conn"
    case roundRobin = "round_robin"
}

/// `health_check:` of a group — active checks.
package struct HealthCheckConfig: Sendable, Equatable {
    package var path: String = "/health"
    package var interval: NginxDuration = .seconds(5)
    package var timeout: NginxDuration = .seconds(2)
    package var rise: Int = 2
    package var fall: Int = 3
}

/// One upstream group (`upstreams.<name>`).
package struct UpstreamConfig: Sendable, Equatable {
    package var name: String
    package var balance: BalanceMethod = .leastConn
    /// Idle keep-alive connections kept per server (per event loop).
    package var keepalive: Int = 64
    package var maxFails: Int = 1
    package var failTimeout: NginxDuration = .seconds(10)
    package var healthCheck: HealthCheckConfig?
    package var slowStart: NginxDuration = .seconds(0)
    /// How often servers written as DNS names are looked up again (each address becomes a server); 0 = never,
    /// the name is then resolved when connecting, as before.
    package var resolveInterval: NginxDuration = .seconds(5)
    /// `tls:` — talk TLS to the servers of this group; nil = plain HTTP.
    package var tls: UpstreamTLSConfig? = nil
    package var servers: [ServerConfig]
}

/// One server of a group. Per-server `maxFails`/`failTimeout` override the group's when set.
package struct ServerConfig: Sendable, Hashable {
    package var address: HostPort
    package var weight: Int = 1
    package var maxFails: Int?
    package var failTimeout: NginxDuration?
    package var backup: Bool = false
}

/// How a route matches a request path.
package enum RouteMatch: Sendable, Hashable {
    /// `prefix: /api/`
    case prefix(String)
    /// `exact: [/docs, /redoc]`
    case exact([String])
}

/// `cache_static:` on a route — nginx's `expires` for static assets.
package struct CacheStaticConfig: Sendable, Hashable {
    /// Lower-cased extensions without the dot.
    package var extensions: Set<String>
    package var maxAge: NginxDuration
}

/// One entry of `routes:`: which requests it takes (`hosts`, `prefix`/`exact`) and what it does with them: proxy to
/// `upstream`, serve files (`staticFiles`) or answer with `return`.
package struct RouteConfig: Sendable, Hashable {
    package var match: RouteMatch
    /// nil exactly when `staticFiles` or `answer` is set.
    package var upstream: String?
    package var cacheStatic: CacheStaticConfig?
    /// `static:` — answered from files instead of an upstream.
    package var staticFiles: StaticRouteConfig? = nil
    /// `gzip: false` keeps this route's responses out of on-the-fly compression (a response that mixes secrets
    /// with text an attacker chose, BREACH).
    package var gzip = true
    /// `rate_limit:` of the route; nil = the top-level `rate_limit` applies (nginx inherits `limit_req` only into
    /// a location that has none of its own).
    package var rateLimit: [RateLimitRule]? = nil
    /// `connection_limit:` of the route; nil = the top-level one applies.
    package var connectionLimit: [ConnectionLimitRule]? = nil
    /// `hosts:` — nginx's `server_name`: lower-cased exact names and `*.`-wildcards; empty = the default server.
    package var hosts: [String] = []
    /// `return:` — answer locally instead of proxying (nginx's `return`).
    package var answer: ReturnConfig? = nil
    /// `request_headers:` — edits of the head sent upstream (nginx's `proxy_set_header`).
    package var requestHeaders: RequestHeaderEdits? = nil
}

/// `access_log:` — where access lines go.
package enum AccessLogTarget: Sendable, Hashable {
    case stdout
    case file(String)
    case off
}

/// `log_format:` — nginx's combined format (plus upstream fields) or JSON lines.
package enum LogFormat: String, Sendable, Hashable {
    case combined
    case json
}
