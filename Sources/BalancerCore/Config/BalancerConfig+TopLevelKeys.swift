/// One top-level key of the config file, and how two configs compare on it.
package struct TopLevelKey: Sendable {
    package let name: String
    /// Whether `old` and `new` differ under this key.
    package let differs: @Sendable (BalancerConfig, BalancerConfig) -> Bool

    package init(_ name: String, differs: @escaping @Sendable (BalancerConfig, BalancerConfig) -> Bool) {
        self.name = name
        self.differs = differs
    }
}

extension BalancerConfig {
    /// Every top-level key, in the order the shipped configs use. The reader accepts exactly these and the reload
    /// diff walks the same list, so a new key cannot be read without being reported when a reload changes it.
    package static let topLevelKeys: [TopLevelKey] = [
        TopLevelKey("listen") { $0.listen != $1.listen },
        TopLevelKey("admin") { $0.admin != $1.admin },
        TopLevelKey("workers") { $0.workers != $1.workers },
        TopLevelKey("worker_rlimit_nofile") { $0.workerRlimitNofile != $1.workerRlimitNofile },
        TopLevelKey("limits") { $0.limits != $1.limits },
        TopLevelKey("real_ip") { $0.realIP != $1.realIP },
        TopLevelKey("rate_limits") { $0.rateLimitZones != $1.rateLimitZones },
        TopLevelKey("connection_limits") { $0.connectionLimitZones != $1.connectionLimitZones },
        TopLevelKey("rate_limit") { $0.rateLimit != $1.rateLimit },
        TopLevelKey("connection_limit") { $0.connectionLimit != $1.connectionLimit },
        TopLevelKey("proxy") { $0.proxy != $1.proxy },
        TopLevelKey("response_headers") { $0.responseHeaders != $1.responseHeaders },
        TopLevelKey("access_log") { $0.accessLog != $1.accessLog },
        TopLevelKey("log_format") { $0.logFormat != $1.logFormat },
        TopLevelKey("pid_file") { $0.pidFile != $1.pidFile },
        TopLevelKey("shutdown_timeout") { $0.shutdownTimeout != $1.shutdownTimeout },
        TopLevelKey("resolver") { $0.resolver != $1.resolver },
        TopLevelKey("gzip") { $0.gzip != $1.gzip },
        TopLevelKey("open_file_cache") { $0.openFileCache != $1.openFileCache },
        TopLevelKey("upstreams") { $0.upstreams != $1.upstreams },
        TopLevelKey("routes") { $0.routes != $1.routes },
        TopLevelKey("unknown_host") { $0.unknownHost != $1.unknownHost },
    ]
}
