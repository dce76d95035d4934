import Shared

/// The validated, immutable configuration the balancer runs on: one snapshot per load or reload.
///
/// Built only by `ConfigLoader`, which parses YAML and checks every semantic rule, so code that holds a
/// `BalancerConfig` never re-validates. Types are value types so a reload can diff the old and new snapshot.
struct BalancerConfig: Sendable, Equatable {
    /// Public listeners (`listen: [0.0.0.0:80]`).
    var listen: [HostPort]
    var admin: AdminConfig
    /// Number of event loops; `auto` resolved to the core count at load time.
    var workers: Int
    var limits: LimitsConfig
    var proxy: ProxyConfig
    /// Headers added to every response, error responses included, in file order.
    var responseHeaders: [HeaderField]
    /// Upstream groups in file order.
    var upstreams: [UpstreamConfig]
    /// Routes in file order (matching precedence is the router's business, not the order alone).
    var routes: [RouteConfig]
    var accessLog: AccessLogTarget
    var logFormat: LogFormat
    /// Where `serve` writes its pid and `reload` reads it.
    var pidFile: String?
    /// How long a shutdown or reload waits for in-flight work before closing it.
    var shutdownTimeout: NginxDuration
    /// The file this snapshot was read from (for messages).
    var sourcePath: String
    /// `resolver:` — the DNS server (an IP literal and port) asked for upstream names, as nginx's `resolver`;
    /// nil = the system resolver (getaddrinfo, so /etc/hosts and /etc/resolv.conf apply).
    var resolver: HostPort? = nil
    /// `worker_rlimit_nofile:` — the open-files limit (RLIMIT_NOFILE) `serve` sets at start, as nginx's
    /// directive of that name; nil = the hard limit, so a low soft limit (often 1024) never caps connections.
    var workerRlimitNofile: Int? = nil

    func upstream(named name: String) -> UpstreamConfig? { upstreams.first { $0.name == name } }
}

/// `host:port`, as written in the config. The host may be an IPv4/IPv6 literal or a DNS name.
struct HostPort: Sendable, Hashable, CustomStringConvertible {
    var host: String
    var port: Int
    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One `Name: value` pair.
struct HeaderField: Sendable, Hashable {
    var name: String
    var value: String
}

/// `admin:` — the status page and metrics listener, and who may reach it.
struct AdminConfig: Sendable, Equatable {
    var listen: HostPort
    /// `basic_auth:` — one user whose password is stored as a SHA-256 hex digest, never in clear.
    var basicAuth: AdminBasicAuth? = nil
    /// `allow:` — client networks (CIDR) that may connect; empty = no address restriction.
    var allow: [CIDRRange] = []
}

/// `admin.basic_auth:` — `{user: ops, password_sha256: <64 hex digits>}`.
struct AdminBasicAuth: Sendable, Equatable {
    var user: String
    /// Lower-case hex SHA-256 of the password.
    var passwordSHA256: String
}

/// `limits:` — what a client may send and how long it may take.
struct LimitsConfig: Sendable, Equatable {
    var clientMaxBodySize: NginxSize = NginxSize(bytes: 50 << 20)
    var clientHeaderTimeout: NginxDuration = .seconds(10)
    /// Longest wait between two reads of a request body (nginx's `client_body_timeout`); a client that stalls
    /// gets 408 and its server is not blamed.
    var clientBodyTimeout: NginxDuration = .seconds(60)
    /// Longest wait for a slow client to take more of a response (nginx's `send_timeout`); then both connections
    /// close and the server is not blamed.
    var sendTimeout: NginxDuration = .seconds(60)
    /// Forward request header names containing `_` (nginx's `underscores_in_headers`, off by default): servers that
    /// map names to variables (CGI, WSGI) read `X_Real_IP` as `X-Real-IP`, so a client could plant one.
    var underscoresInHeaders = false
    var keepaliveTimeout: NginxDuration = .seconds(75)
    var maxHeaderSize: NginxSize = NginxSize(bytes: 16 << 10)
    /// Client connections one event loop keeps open (nginx's `worker_connections`); one accepted past it is
    /// closed at once. Default: `BalancerConfig.defaultMaxConnections`.
    var maxConnections: Int = BalancerConfig.defaultMaxConnections
}

/// When a failed attempt may be tried again on the next server (nginx's `proxy_next_upstream`).
enum NextUpstreamCondition: String, Sendable, Hashable, CaseIterable {
    case error, timeout
    case http502 = "http_502"
    case http503 = "http_503"
    case http504 = "http_504"
    case nonIdempotent = "non_idempotent"
    case off
}

/// `proxy:` — how the balancer talks to upstreams.
struct ProxyConfig: Sendable, Equatable {
    var connectTimeout: NginxDuration = .seconds(5)
    var readTimeout: NginxDuration = .seconds(60)
    var sendTimeout: NginxDuration = .seconds(60)
    var nextUpstreamTries: Int = 3
    var nextUpstream: Set<NextUpstreamCondition> = [.error, .timeout]
    /// 0 = unlimited, as nginx's `proxy_next_upstream_timeout`.
    var nextUpstreamTimeout: NginxDuration = .seconds(0)
    var websocketIdleTimeout: NginxDuration = .seconds(3600)
    /// Send the normalised path upstream (dot segments removed, slashes merged, unreserved escapes decoded), as
    /// Envoy's `normalize_path`; false keeps the target as the client sent it. Routing always uses the normalised
    /// path.
    var normalizePath = true
}

/// The balancing policy of a group.
enum BalanceMethod: String, Sendable, Hashable {
    case leastConn = "least_conn"
    case roundRobin = "round_robin"
}

/// `health_check:` of a group — active checks.
struct HealthCheckConfig: Sendable, Equatable {
    var path: String = "/health"
    var interval: NginxDuration = .seconds(5)
    var timeout: NginxDuration = .seconds(2)
    var rise: Int = 2
    var fall: Int = 3
}

/// One upstream group (`upstreams.<name>`).
struct UpstreamConfig: Sendable, Equatable {
    var name: String
    var balance: BalanceMethod = .leastConn
    /// Idle keep-alive connections kept per server (per event loop).
    var keepalive: Int = 64
    var maxFails: Int = 1
    var failTimeout: NginxDuration = .seconds(10)
    var healthCheck: HealthCheckConfig?
    var slowStart: NginxDuration = .seconds(0)
    /// How often servers written as DNS names are looked up again (each address becomes a server); 0 = never,
    /// the name is then resolved when connecting, as before.
    var resolveInterval: NginxDuration = .seconds(5)
    var servers: [ServerConfig]
}

/// One server of a group. Per-server `maxFails`/`failTimeout` override the group's when set.
struct ServerConfig: Sendable, Hashable {
    var address: HostPort
    var weight: Int = 1
    var maxFails: Int?
    var failTimeout: NginxDuration?
    var backup: Bool = false
}

/// How a route matches a request path.
enum RouteMatch: Sendable, Hashable {
    /// `prefix: /api/`
    case prefix(String)
    /// `exact: [/docs, /redoc]`
    case exact([String])
}

/// `cache_static:` on a route — nginx's `expires` for static assets.
struct CacheStaticConfig: Sendable, Hashable {
    /// Lower-cased extensions without the dot.
    var extensions: Set<String>
    var maxAge: NginxDuration
}

/// One entry of `routes:`.
struct RouteConfig: Sendable, Hashable {
    var match: RouteMatch
    var upstream: String
    var cacheStatic: CacheStaticConfig?
}

/// `access_log:` — where access lines go.
enum AccessLogTarget: Sendable, Hashable {
    case stdout
    case file(String)
    case off
}

/// `log_format:` — nginx's combined format (plus upstream fields) or JSON lines.
enum LogFormat: String, Sendable, Hashable {
    case combined
    case json
}
