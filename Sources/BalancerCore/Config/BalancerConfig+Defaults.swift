import NIOCore
import Shared

/// The values used for keys a config file leaves out; nginx's defaults where nginx has the same knob.
extension BalancerConfig {
    /// The admin listener when `admin:` is absent: loopback only, so status and metrics are not public.
    package static let defaultAdminListen = HostPort(host: "127.0.0.1", port: 9090)
    package static let defaultShutdownTimeout = NginxDuration.seconds(30)
    /// `workers: auto` — one event loop per core, as nginx's `worker_processes auto`.
    package static var autoWorkers: Int { System.coreCount }
    /// The most event loops `workers:` accepts.
    package static let maxWorkers = 256
    /// `limits.max_connections` when absent: 4096 client connections per event loop, the `worker_connections`
    /// of the nginx that scripts/bench.sh compares against, so both stop admitting at the same load (nginx's
    /// built-in default is 512). A proxied client holds a second descriptor for its upstream, so one loop at the
    /// limit needs about 8192 descriptors: inside the hard open-files limit `serve` raises the soft limit to
    /// (524288 for services of systemd since version 240).
    package static let defaultMaxConnections = 4096
    /// What `limits.max_connections` accepts: at least one connection, at most what the largest open-files limit
    /// Linux allows by default (`fs.nr_open`, 1048576) could hold.
    package static let maxConnectionsRange = 1...(1 << 20)
    /// What `worker_rlimit_nofile` accepts: below 32 the balancer's own descriptors (event loops, listeners,
    /// admin listener, log file) leave nothing for clients; Linux caps `fs.nr_open` below 2^30.
    package static let workerRlimitNofileRange = 32...(1 << 30)

    /// The status of a request a rate or connection limit refuses: 429 Too Many Requests (RFC 6585), where nginx's
    /// `limit_req_status` and `limit_conn_status` default to 503 — a client, a CDN or a monitor then cannot tell a
    /// refusal of its own rate from an outage.
    package static let defaultLimitStatus = 429
    /// What `size:` of a limit zone accepts: nginx's smallest zone (8 pages) up to 1g.
    package static let limitZoneSizeRange: ClosedRange<Int64> = (32 << 10)...(1 << 30)

    /// A config with every default and no listeners, upstreams or routes: the base the reader fills in.
    package static func defaults(sourcePath: String) -> BalancerConfig {
        BalancerConfig(
            listen: [],
            admin: AdminConfig(listen: defaultAdminListen),
            workers: autoWorkers,
            limits: LimitsConfig(),
            proxy: ProxyConfig(),
            responseHeaders: [],
            upstreams: [],
            routes: [],
            accessLog: .stdout,
            logFormat: .combined,
            pidFile: nil,
            shutdownTimeout: defaultShutdownTimeout,
            sourcePath: sourcePath
        )
    }
}
