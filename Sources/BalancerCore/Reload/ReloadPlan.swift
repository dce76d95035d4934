/// What a reload changes in the running server, decided from the running config and the newly loaded one alone,
/// so every decision can be tested without sockets.
///
/// Settings fixed at start (the number of event loops, the access log target and format, the pid file) keep their
/// running values in `effective`: the next reload then compares against what really runs, and keeps saying that
/// a restart is needed for them.
package struct ReloadPlan: Sendable, Equatable {
    /// The config the server runs after the reload.
    package var effective: BalancerConfig
    /// Listen addresses to open (in the new file's order).
    package var listenersToOpen: [HostPort]
    /// Listen addresses whose listening socket closes; connections accepted on them drain.
    package var listenersToClose: [HostPort]
    /// Listen addresses kept whose `reuseport` flipped: their sockets are opened anew beside the old ones (which
    /// get `SO_REUSEPORT` so both can hold the port), and the old ones close once the new snapshot is installed,
    /// as nginx turns `reuseport` on at a reload without a moment in which the port refuses connections.
    package var listenersToRebind: [HostPort]
    /// Top-level keys that changed but apply only at the next start.
    package var needsRestart: [String]
    /// What changed, for the log line.
    package var diff: ConfigDiff

    /// Keys read once at start: the event loops, the open-files limit (set before anything opens), the access-log
    /// writer and per-loop buffers, the pid file path.
    package static let restartOnlyKeys = ["workers", "worker_rlimit_nofile", "access_log", "log_format", "pid_file"]

    package init(running: BalancerConfig, loaded: BalancerConfig) {
        diff = ConfigDiff(old: running, new: loaded)
        listenersToOpen = diff.listenersAdded
        listenersToClose = diff.listenersRemoved
        listenersToRebind = loaded.listen.filter { listener in
            running.listen.contains { $0.address == listener.address && $0.reuseport != listener.reuseport }
        }.map(\.address)
        needsRestart = diff.otherChanged.filter { Self.restartOnlyKeys.contains($0) }
        var effective = loaded
        effective.workers = running.workers
        effective.workerRlimitNofile = running.workerRlimitNofile
        effective.accessLog = running.accessLog
        effective.logFormat = running.logFormat
        effective.pidFile = running.pidFile
        self.effective = effective
    }

    /// Nothing at all differs from the running config.
    package var isNoOp: Bool { diff.isEmpty }
}
