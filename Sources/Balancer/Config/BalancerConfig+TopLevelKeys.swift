/// One top-level key of the config file, and how two configs compare on it.
struct TopLevelKey: Sendable {
    let name: String
    /// Whether `old` and `new` differ under this key.
    let differs: @Sendable (BalancerConfig, BalancerConfig) -> Bool

    init<Value: Equatable>(_ name: String, _ value: KeyPath<BalancerConfig, Value> & Sendable) {
        self.name = name
        self.differs = { old, new in old[keyPath: value] != new[keyPath: value] }
    }
}

extension BalancerConfig {
    /// Every top-level key, in the order the shipped configs use. The reader accepts exactly these and the reload
    /// diff walks the same list, so a new key cannot be read without being reported when a reload changes it.
    static let topLevelKeys: [TopLevelKey] = [
        TopLevelKey("listen", \.listen),
        TopLevelKey("admin", \.admin),
        TopLevelKey("workers", \.workers),
        TopLevelKey("worker_rlimit_nofile", \.workerRlimitNofile),
        TopLevelKey("limits", \.limits),
        TopLevelKey("proxy", \.proxy),
        TopLevelKey("response_headers", \.responseHeaders),
        TopLevelKey("access_log", \.accessLog),
        TopLevelKey("log_format", \.logFormat),
        TopLevelKey("pid_file", \.pidFile),
        TopLevelKey("shutdown_timeout", \.shutdownTimeout),
        TopLevelKey("resolver", \.resolver),
        TopLevelKey("upstreams", \.upstreams),
        TopLevelKey("routes", \.routes),
    ]
}
