import NIOCore
import Shared

/// The values used for keys a config file leaves out; nginx's defaults where nginx has the same knob.
extension BalancerConfig {
    /// The admin listener when `admin:` is absent: loopback only, so status and metrics are not public.
    static let defaultAdminListen = HostPort(host: "127.0.0.1", port: 9090)
    static let defaultShutdownTimeout = NginxDuration.seconds(30)
    /// `workers: auto` — one event loop per core, as nginx's `worker_processes auto`.
    static var autoWorkers: Int { System.coreCount }
    /// The most event loops `workers:` accepts.
    static let maxWorkers = 256

    /// A config with every default and no listeners, upstreams or routes: the base the reader fills in.
    static func defaults(sourcePath: String) -> BalancerConfig {
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
