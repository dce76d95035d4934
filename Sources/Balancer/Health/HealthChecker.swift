import BalancerCore
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Runs active health checks for every server of every group that has `health_check`, each on an event loop of
/// the balancer's group, spread over the interval with jitter so checks never arrive in bursts.
///
/// A server's next check is scheduled only after the current one finished, so a slow server never has checks
/// piling up. On reload, `update` keeps the loops of servers present in both configs (their state with them),
/// starts loops for new servers and stops those of removed ones.
final class HealthChecker: Sendable {
    private let group: EventLoopGroup
    private let logger: Logger
    private let loops = NIOLockedValueBox<[ServerKey: ServerCheckLoop]>([:])

    init(group: EventLoopGroup, logger: Logger) {
        self.group = group
        self.logger = logger
    }

    /// Starts, keeps or stops check loops to match `snapshot`.
    func update(_ snapshot: ProxySnapshot) {
        var wanted: [ServerKey: HealthCheckTarget] = [:]
        for upstream in snapshot.groups {
            guard let check = upstream.config.healthCheck else { continue }
            for server in upstream.servers {
                wanted[ServerKey(group: upstream.name, server: server.id)] = HealthCheckTarget(
                    server: server, groupName: upstream.name, check: check, tls: upstream.tls)
            }
        }
        let (stopped, started) = loops.withLockedValue { loops -> ([ServerCheckLoop], [ServerCheckLoop]) in
            var stopped: [ServerCheckLoop] = []
            var started: [ServerCheckLoop] = []
            for (key, loop) in loops where !(wanted[key]?.isChecked(like: loop.target) ?? false) {
                stopped.append(loop)
                loops[key] = nil
            }
            for (key, target) in wanted where loops[key] == nil {
                let loop = ServerCheckLoop(target: target, eventLoop: group.next(), logger: logger)
                loops[key] = loop
                started.append(loop)
            }
            return (stopped, started)
        }
        for loop in stopped { loop.stop() }
        for loop in started { loop.start() }
    }

    func stop() {
        let all = loops.withLockedValue { loops -> [ServerCheckLoop] in
            defer { loops = [:] }
            return Array(loops.values)
        }
        for loop in all { loop.stop() }
    }
}

/// The check cycle of one server, confined to one event loop.
final class ServerCheckLoop: @unchecked Sendable {
    // @unchecked: every mutable field is touched only on `eventLoop`.
    let target: HealthCheckTarget
    private let eventLoop: EventLoop
    private let logger: Logger
    private var machine: ActiveHealthStateMachine
    private var scheduled: Scheduled<Void>?
    private var stopped = false

    init(target: HealthCheckTarget, eventLoop: EventLoop, logger: Logger) {
        self.target = target
        self.eventLoop = eventLoop
        self.logger = logger
        self.machine = ActiveHealthStateMachine(rise: target.check.rise, fall: target.check.fall)
    }

    func start() {
        eventLoop.execute {
            // Jitter: the first check lands anywhere in the first interval, which spreads servers apart for good.
            let jitter = Int64.random(in: 0..<max(1, self.target.check.interval.milliseconds))
            self.schedule(in: .milliseconds(jitter))
        }
    }

    func stop() {
        eventLoop.execute {
            self.stopped = true
            self.scheduled?.cancel()
        }
    }

    private func schedule(in delay: TimeAmount) {
        guard !stopped else { return }
        scheduled = eventLoop.scheduleTask(in: delay) { self.runCheck() }
    }

    private func runCheck() {
        guard !stopped else { return }
        let started = NIODeadline.now()
        HealthProbe.run(
            server: target.server,
            path: target.check.path,
            timeout: .milliseconds(target.check.timeout.milliseconds),
            tls: target.tls,
            on: eventLoop
        ).whenSuccess { result in
            self.record(result)
            let interval = TimeAmount.milliseconds(self.target.check.interval.milliseconds)
            let spent = NIODeadline.now() - started
            self.schedule(in: max(.milliseconds(1), interval - spent))
        }
    }

    private func record(_ result: HealthProbe.Result) {
        guard !stopped else { return }
        let server = target.server
        server.lastCheck.withLockedValue { $0 = result }
        let change = result.passed ? machine.checkPassed() : machine.checkFailed()
        server.setActiveState(machine.state, now: UpstreamServer.now())
        server.checkTally.withLockedValue { $0.add(result, change: change) }
        guard let change else { return }
        let prefix = "upstream \(target.groupName): server \(server.name)"
        switch change {
        case .becameUnhealthy(let failed):
            logger.notice("\(prefix) unhealthy: \(failed) failed checks (\(result.failure ?? "failed"))")
        case .becameHealthy(let passed):
            logger.notice("\(prefix) back in rotation: \(passed) passed checks")
        }
    }
}
