import BalancerCore
import Shared

/// Everything `/status.json`, `/status` and `/metrics` show, gathered at one moment into plain values.
struct StatusReport: Sendable, Equatable {
    var origin: Origin
    /// Which configuration runs, since when, and how its reloads went.
    var reloads: ReloadStatus
    var connections: ClientConnectionCounts
    var requestsPerSecond: Double
    /// Upstream groups in config order, each with its servers in config order.
    var upstreams: [(name: String, servers: [ServerStatus])]
    var metrics: MetricsSnapshot
    /// Rate and connection zones, in config order.
    var limitZones: [LimitZoneStatus] = []
    /// The certificates TLS listeners serve, in config order.
    var certificates: [CertificateStatus] = []

    /// Which balancer made a report and when: what a reader checks first to know whether two reports are
    /// comparable (same build, same process, which moment).
    struct Origin: Sendable {
        var version: String
        /// Seconds since this process started; a drop between two reports means a restart.
        var uptimeSeconds: Double
        var generatedAt: WallClockInstant
    }

    static func == (a: StatusReport, b: StatusReport) -> Bool {
        StatusJSON.render(a) == StatusJSON.render(b)
    }

    /// Fills the per-server figures that come from counters, samples and the journal into `servers` read live.
    static func enrich(
        _ status: inout ServerStatus,
        key: ServerKey,
        live: MetricsSnapshot,
        history: RateHistory,
        journal: [ServerKey: UpstreamJournalEntry],
        nowMono: Int64,
        nowWall: WallClockInstant
    ) {
        let tenSeconds: Int64 = 10_000_000_000
        let minute: Int64 = 60_000_000_000
        status.counts = live.servers[key] ?? ServerCounts()
        status.requestsPerSecond = RateHistory.rate(
            key,
            live: live,
            now: nowMono,
            baseline: history.baseline(window: tenSeconds, now: nowMono)
        )
        let earlier = history.baseline(window: minute, now: nowMono)?.metrics.servers[key]
        let recent = status.counts.buckets(since: earlier)
        let observed = status.counts.observed
        status.p50Milliseconds = LatencyBuckets.quantileMilliseconds(0.5, counts: recent, observed: observed)
        status.p99Milliseconds = LatencyBuckets.quantileMilliseconds(0.99, counts: recent, observed: observed)
        status.history = history.series(key)
        let entry = journal[key] ?? UpstreamJournalEntry()
        status.lastFailure = entry.lastFailure
        status.lastAttempt = LastAttempt.of(
            lastFailure: entry.lastFailure?.time,
            lastAnsweredAt: status.counts.lastAnsweredAt,
            nowMono: nowMono,
            nowWall: nowWall
        )
        status.lastAnsweredAt = LastAttempt.wallTime(
            ofMono: status.counts.lastAnsweredAt, nowMono: nowMono, nowWall: nowWall)
        status.ejectionReason = entry.ejectionReason
        // Times out of rotation: passive ejections plus active checks' verdicts.
        status.ejections = entry.ejections + status.tally.wentUnhealthy
        status.recoveries = entry.recoveries + status.tally.cameBack
        if status.state == .unhealthy, let failure = status.lastCheck?.failure {
            status.ejectionReason = "health check: " + failure
        }
    }
}

extension StatusReport {
    /// Adds the servers a reload removed and that still have requests in flight to their groups, as `draining`.
    /// A server still in its group (same id: the reload only changed its settings) stays listed once, as it is now:
    /// one row on the page and one series per label set in `/metrics`.
    static func appendDraining(
        _ draining: [(group: String, status: ServerStatus)],
        to upstreams: inout [(name: String, servers: [ServerStatus])]
    ) {
        for (group, status) in draining {
            var status = status
            status.state = .draining
            if let index = upstreams.firstIndex(where: { $0.name == group }) {
                guard !upstreams[index].servers.contains(where: { $0.id == status.id }) else { continue }
                upstreams[index].servers.append(status)
            } else {
                upstreams.append((name: group, servers: [status]))
            }
        }
    }
}
