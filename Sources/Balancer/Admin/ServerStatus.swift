import BalancerCore
import Shared

/// What the status page shows of one server at one moment: read once from the live `UpstreamServer`, then
/// plain data for the JSON, the HTML and the Prometheus writer.
struct ServerStatus: Sendable, Equatable {
    /// The server's state in the status contract's words.
    enum State: String, Sendable {
        case up, ejected, unhealthy, draining, trial
    }

    /// Which server this is, to tell rows apart; `address` is how it is shown.
    var id: ServerID
    /// The server's display name (`UpstreamServer.name`), the `address` of the status contract.
    var address: String
    var state: State
    var weight: Int
    var backup: Bool
    /// Active checks' verdict; the writers show it as `unchecked`, `healthy` or `unhealthy`.
    var checks: ActiveHealthStateMachine.State
    var counters: Counters
    var ejectedUntil: WallClockInstant?
    var ejectionReason: String?
    var lastFailure: FailureNote?
    /// Whether the latest attempt got an answer or failed; nil before the first attempt.
    var lastAttempt: LastAttempt?
    var lastAnsweredAt: WallClockInstant?
    var lastCheck: HealthProbe.Result?
    var lastCheckAt: WallClockInstant?
    var tally = HealthCheckTally()
    var ejections = 0
    var recoveries = 0
    var requestsPerSecond: Double = 0
    var p50Milliseconds: Double?
    var p99Milliseconds: Double?
    /// Requests per second per 5-second interval, oldest first (up to 5 minutes).
    var history: [Double] = []
    var counts = ServerCounts()

    /// The server's shared counters (`UpstreamServer.active`, `requests`, `failures`), read together.
    struct Counters: Sendable, Equatable {
        /// Requests in flight now, connecting included.
        var active: Int
        /// Requests sent since start.
        var requests: Int
        /// Failed attempts since start.
        var failures: Int

        init(_ server: UpstreamServer) {
            active = server.active.load(ordering: .relaxed)
            requests = server.requests.load(ordering: .relaxed)
            failures = server.failures.load(ordering: .relaxed)
        }
    }

    /// Reads the live server; `nowMono`/`nowWall` are the same moment on both clocks, to place `ejected_until`.
    init(server: UpstreamServer, nowMono: Int64, nowWall: WallClockInstant) {
        id = server.id
        address = server.name
        weight = server.weight
        backup = server.config.backup
        counters = Counters(server)
        lastCheck = server.lastCheck.withLockedValue { $0 }
        tally = server.checkTally.withLockedValue { $0 }
        lastCheckAt = tally.lastCheckAt
        checks = server.activeHealth
        let passive = server.passiveState.state
        (state, ejectedUntil) = ServerStatus.state(active: checks, passive: passive, nowMono: nowMono, nowWall: nowWall)
    }

    /// Failing active checks win over passive state: such a server gets no traffic whatever its passive state says.
    static func state(
        active: ActiveHealthStateMachine.State,
        passive: PassiveHealthStateMachine.State,
        nowMono: Int64,
        nowWall: WallClockInstant
    ) -> (State, WallClockInstant?) {
        if active == .unhealthy { return (.unhealthy, nil) }
        switch passive {
        case .up:
            return (.up, nil)
        case .trial:
            return (.trial, nil)
        case .ejected(let until) where until <= nowMono:
            return (.trial, nil)  // the ejection ran out; the next request is the trial
        case .ejected(let until):
            let total = Int64(nowWall.nanoseconds) + (until - nowMono)
            let wall = WallClockInstant(
                seconds: nowWall.seconds + total / 1_000_000_000, nanoseconds: Int32(total % 1_000_000_000))
            return (.ejected, wall)
        }
    }
}
