import BalancerCore
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `serve` does with the open-files limit (RLIMIT_NOFILE) at start, decided from the limits in force and
/// `worker_rlimit_nofile` alone, so every case is tested without touching the process's limits.
///
/// Without the key the soft limit goes up to the hard limit: the soft limit is often 1024, which caps a proxy
/// (a descriptor per client plus one per upstream connection) far below what it serves, while the hard limit is
/// what the operator allowed (systemd's `LimitNOFILE=`, docker's `--ulimit nofile=`). nginx needs
/// `worker_rlimit_nofile` for that; here it is the default.
struct OpenFilesLimitPlan: Equatable, Sendable {
    /// A soft and a hard limit, as getrlimit reports them.
    struct Limits: Equatable, Sendable {
        var soft: rlim_t
        var hard: rlim_t
    }

    /// The limits to set; nil when the soft limit in force already is the one wanted.
    var target: Limits?
    /// Whether a refused `target` stops start-up: yes for `worker_rlimit_nofile`, which the operator asked for;
    /// no for raising to the hard limit, which is best effort (the limit in force then stays, with a warning).
    var refusalIsFatal: Bool

    /// The hard limit getrlimit reports as unlimited.
    #if os(Linux)
        static let unlimited = rlim_t.max
    #else
        static let unlimited = RLIM_INFINITY
    #endif
    /// The soft limit aimed at when the hard limit is unlimited (macOS reports it so, yet refuses a soft limit
    /// above OPEN_MAX, 10240); Linux never reports an unlimited RLIMIT_NOFILE.
    static let softLimitUnderUnlimitedHard: rlim_t = 10240

    init(current: Limits, configured: Int?) {
        guard let configured else {
            refusalIsFatal = false
            let wanted = current.hard == Self.unlimited ? Self.softLimitUnderUnlimitedHard : current.hard
            target = current.soft >= wanted ? nil : Limits(soft: wanted, hard: current.hard)
            return
        }
        refusalIsFatal = true
        let wanted = rlim_t(configured)
        if wanted == current.soft {
            target = nil
        } else if wanted <= current.hard {
            // Lower than the soft limit in force is honoured too: the operator may want to cap the process.
            target = Limits(soft: wanted, hard: current.hard)
        } else {
            // Above the hard limit: only a privileged process (CAP_SYS_RESOURCE) may raise it.
            target = Limits(soft: wanted, hard: wanted)
        }
    }

    /// A warning when every loop at `limits.max_connections`, each client with an upstream connection, would need
    /// more descriptors than `openFiles`: accepting would then pause (`AcceptBackoff`) before the limit is reached.
    /// The config's ranges (256 workers, 2^20 connections) keep the product far from overflowing.
    static func shortfall(openFiles: rlim_t, workers: Int, maxConnections: Int) -> String? {
        let needed = workers * maxConnections * 2
        guard rlim_t(needed) > openFiles else { return nil }
        return "workers (\(workers)) × limits.max_connections (\(maxConnections)) client connections need about "
            + "\(needed) open files with their upstream connections, more than the limit of "
            + "\(openFiles): accepting pauses before limits.max_connections is reached; raise worker_rlimit_nofile "
            + "(and the hard limit) or lower limits.max_connections"
    }
}
