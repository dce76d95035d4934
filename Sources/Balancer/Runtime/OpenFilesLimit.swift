import BalancerCore
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sets RLIMIT_NOFILE at start as `OpenFilesLimitPlan` decides and says in the log which limit is in effect.
///
/// Called by `serve` before the event loops and listeners exist, so every descriptor the balancer opens counts
/// against the new limit.
enum OpenFilesLimit {
    /// Applies `worker_rlimit_nofile` (or the hard limit) and logs the result; throws a `BalancerStartError` when
    /// a configured limit cannot be set.
    static func applyAtStart(_ config: BalancerConfig, logger: Logger = Logger(label: "balancer")) throws {
        let before = try current()
        let plan = OpenFilesLimitPlan(current: before, configured: config.workerRlimitNofile)
        var inEffect = before.soft
        var origin = before.soft == before.hard ? "the hard limit" : "kept"
        if let target = plan.target {
            if set(target) {
                inEffect = target.soft
                origin = plan.refusalIsFatal
                    ? "worker_rlimit_nofile; it was \(before.soft)" : "raised from \(before.soft) to the hard limit"
            } else {
                let reason = String(cString: strerror(errno))
                if plan.refusalIsFatal { throw refusal(target: target, before: before, reason: reason) }
                let message = "open files limit \(before.soft): raising it to the hard limit \(target.soft) was "
                    + "refused (\(reason)); connections past it wait until others close"
                logger.warning("\(message)")
            }
        } else if plan.refusalIsFatal {
            origin = "worker_rlimit_nofile"
        }
        logger.info("open files limit \(inEffect) (\(origin))")
        let shortfall = OpenFilesLimitPlan.shortfall(
            openFiles: inEffect, workers: config.workers, maxConnections: config.limits.maxConnections)
        if let shortfall { logger.warning("\(shortfall)") }
    }

    /// The soft and hard limit in force.
    static func current() throws -> OpenFilesLimitPlan.Limits {
        var limits = rlimit()
        guard getrlimit(resource, &limits) == 0 else {
            throw BalancerStartError(
                message: "cannot read the open files limit: \(String(cString: strerror(errno)))")
        }
        return OpenFilesLimitPlan.Limits(soft: limits.rlim_cur, hard: limits.rlim_max)
    }

    #if os(Linux)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif

    private static func set(_ target: OpenFilesLimitPlan.Limits) -> Bool {
        var limits = rlimit(rlim_cur: target.soft, rlim_max: target.hard)
        return setrlimit(resource, &limits) == 0
    }

    private static func refusal(
        target: OpenFilesLimitPlan.Limits,
        before: OpenFilesLimitPlan.Limits,
        reason: String
    ) -> BalancerStartError {
        guard target.soft > before.hard else {
            return BalancerStartError(
                message: "worker_rlimit_nofile: setting the open files limit to \(target.soft) was refused "
                    + "(\(reason)); remove worker_rlimit_nofile to use the hard limit (\(before.hard))")
        }
        return BalancerStartError(
            message: "worker_rlimit_nofile: \(target.soft) is above the hard limit of open files (\(before.hard)) "
                + "and raising the hard limit was refused (\(reason)); set worker_rlimit_nofile to at most "
                + "\(before.hard), or raise the hard limit where the balancer is started (ulimit -Hn as root, "
                + "LimitNOFILE= in its systemd unit, --ulimit nofile= with docker run)")
    }
}
