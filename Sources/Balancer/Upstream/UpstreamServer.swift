import Atomics
import BalancerCore
import NIOConcurrencyHelpers
import NIOCore
import Shared

/// One server of an upstream group at run time: its address, the counters every event loop shares, and its
/// passive health (nginx's `max_fails`/`fail_timeout`).
///
/// Counters are atomics so `least_conn` sees in-flight requests across all event loops without a lock. They are
/// `UnsafeAtomic`s, created with the server and destroyed with it: a `ManagedAtomic` is an object of its own, retained
/// and released around each of the ten or so reads and updates a proxied request makes. Passive health sits behind
/// a lock that the hot path only takes while the server has failures or is ejected; a healthy
/// server costs one relaxed atomic load per pick. A server object lives as long as any snapshot or in-flight
/// request references it, which lets a reload keep the state of a server (same `id`) present in both configs.
final class UpstreamServer: Sendable {
    let config: ServerConfig
    /// Which server this is: the address as written plus, for a server found by DNS, the address found.
    let id: ServerID
    /// `id` as shown in logs and status: `host:port` as written, or `backend:8000 (10.0.0.5)` for a server found by
    /// DNS. For display: never sent to the server, and identity goes through `id`. Stored: every request reads it.
    let name: String
    /// The `Host` a request of the balancer's own (a health probe) carries: `host:port` as configured, whatever
    /// address a DNS lookup found — `name` with its parenthesised address is no valid `Host`.
    var hostHeader: String { id.address.description }
    /// Pre-resolved address for IP literals (no resolver on the hot path); nil for DNS names.
    let socketAddress: SocketAddress?

    /// Requests in flight (including connecting) across all event loops.
    let active = UnsafeAtomic<Int>.create(0)
    /// Requests sent to this server since start.
    let requests = UnsafeAtomic<Int>.create(0)
    /// Failed attempts since start.
    let failures = UnsafeAtomic<Int>.create(0)

    private let passive: NIOLockedValueBox<PassiveHealthStateMachine>
    /// True while `passive` is not quiet (failures counted or ejected): only then is the lock taken.
    private let needsAttention = UnsafeAtomic<Bool>.create(false)
    /// Active health checks' verdict (`ActiveHealthStateMachine.State` raw value), read lock-free per pick.
    private let activeState = UnsafeAtomic<Int>.create(ActiveHealthStateMachine.State.unchecked.rawValue)
    /// When the server last came back (monotonic ns), for slow start; 0 = not ramping.
    private let recoveredAt = UnsafeAtomic<Int64>.create(0)
    /// The last active check, for the status page and logs.
    let lastCheck = NIOLockedValueBox<HealthProbe.Result?>(nil)
    /// Active checks counted (pass/fail, transitions, time of the last), for `/metrics` and the status page.
    let checkTally = NIOLockedValueBox(HealthCheckTally())

    /// - Parameters:
    ///   - maxFails: the effective `max_fails` (the server's own, else the group's; 0 for a group's only server,
    ///     which nginx never ejects).
    ///   - resolvedAddress: one address a DNS lookup of `config.address`'s name found; the server then connects
    ///     there, and it is part of the id (unique in its group) and of the name (still showing where it came from).
    init(
        config: ServerConfig,
        maxFails: Int = 1,
        failTimeout: NginxDuration = .seconds(10),
        resolvedAddress: String? = nil
    ) {
        self.config = config
        self.id = ServerID(address: config.address, resolvedAddress: resolvedAddress)
        self.name = id.description
        self.socketAddress = try? SocketAddress(
            ipAddress: resolvedAddress ?? config.address.host,
            port: config.address.port
        )
        self.passive = NIOLockedValueBox(
            PassiveHealthStateMachine(maxFails: maxFails, failTimeoutNanoseconds: failTimeout.nanoseconds)
        )
    }

    deinit {
        _ = active.destroy()
        _ = requests.destroy()
        _ = failures.destroy()
        _ = needsAttention.destroy()
        _ = activeState.destroy()
        _ = recoveredAt.destroy()
    }

    var weight: Int { config.weight }

    /// Monotonic nanoseconds, the clock passive health runs on.
    static func now() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds) }

    /// Whether the server may take a request now: not failing active checks, and not ejected (or its trial is due).
    func isAvailable(now: Int64) -> Bool {
        if activeState.load(ordering: .relaxed) == ActiveHealthStateMachine.State.unhealthy.rawValue { return false }
        guard needsAttention.load(ordering: .relaxed) else { return true }
        return passive.withLockedValue { $0.isAvailable(now: now) }
    }

    /// Applies the effective `max_fails`/`fail_timeout` of a new configuration to this server, kept across it (a
    /// group that grows from one server to two starts ejecting its first one, for instance).
    func relimit(maxFails: Int, failTimeout: NginxDuration) {
        passive.withLockedValue { machine in
            machine.relimit(maxFails: maxFails, failTimeoutNanoseconds: failTimeout.nanoseconds)
            needsAttention.store(!machine.isQuiet, ordering: .relaxed)
        }
    }

    /// A request is being sent: claims a pending trial.
    func attemptStarted(now: Int64) {
        guard needsAttention.load(ordering: .relaxed) else { return }
        passive.withLockedValue { $0.attemptStarted(now: now) }
    }

    func attemptFailed(now: Int64) -> PassiveHealthStateMachine.Change? {
        failures.wrappingIncrement(ordering: .relaxed)
        return passive.withLockedValue { machine in
            let change = machine.attemptFailed(now: now)
            needsAttention.store(!machine.isQuiet, ordering: .relaxed)
            return change
        }
    }

    func attemptSucceeded(now: Int64) -> PassiveHealthStateMachine.Change? {
        guard needsAttention.load(ordering: .relaxed) else { return nil }
        let change = passive.withLockedValue { machine in
            let change = machine.attemptSucceeded(now: now)
            needsAttention.store(!machine.isQuiet, ordering: .relaxed)
            return change
        }
        if change == .recovered { recoveredAt.store(now, ordering: .relaxed) }
        return change
    }

    /// Records the verdict of the active checks; a server they bring back also leaves any passive ejection.
    func setActiveState(_ state: ActiveHealthStateMachine.State, now: Int64) {
        let previous = activeState.exchange(state.rawValue, ordering: .relaxed)
        if previous == ActiveHealthStateMachine.State.unhealthy.rawValue && state == .healthy {
            passive.withLockedValue { machine in
                _ = machine.reset()
                needsAttention.store(false, ordering: .relaxed)
            }
            recoveredAt.store(now, ordering: .relaxed)
        }
    }

    var activeHealth: ActiveHealthStateMachine.State {
        ActiveHealthStateMachine.State(rawValue: activeState.load(ordering: .relaxed)) ?? .unchecked
    }

    /// The weight handed to the policy (× `SlowStart.scale`), ramped after a recovery when `slowStart` > 0.
    func effectiveWeight(now: Int64, slowStart: Int64) -> Int {
        let since = recoveredAt.load(ordering: .relaxed)
        guard slowStart > 0, since != 0 else { return weight * SlowStart.scale }
        return SlowStart.effectiveWeight(weight: weight, elapsed: now - since, window: slowStart)
    }

    /// The passive state as it stands (status page, tests).
    var passiveState: PassiveHealthStateMachine {
        passive.withLockedValue { $0 }
    }
}
