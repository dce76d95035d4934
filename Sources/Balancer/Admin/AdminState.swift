import BalancerCore
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Shared

/// The admin side's view of a running balancer: it adds up the loops' counters when asked, samples them every
/// 5 seconds for rates and history, and builds `StatusReport`s.
final class AdminState: Sendable {
    /// One event loop's metrics and journal, reached on that loop only.
    struct LoopSource: @unchecked Sendable {
        // @unchecked: `metrics` is read only inside `eventLoop.submit`, on its own loop.
        let eventLoop: EventLoop
        let metrics: LoopMetrics
        let journal: UpstreamJournal
    }

    static let sampleInterval = TimeAmount.seconds(5)

    private let balancer: BalancerServer
    private let sources: [LoopSource]
    private let history = NIOLockedValueBox(RateHistory())
    private let startedMono: Int64
    private let startedWall: WallClockInstant
    private let sampler = NIOLockedValueBox<RepeatedTask?>(nil)

    init(balancer: BalancerServer, sources: [LoopSource]) {
        self.balancer = balancer
        self.sources = sources
        self.startedMono = UpstreamServer.now()
        self.startedWall = WallClockInstant.now()
        history.withLockedValue { $0.append(MetricsSnapshot(), at: startedMono) }
    }

    /// Starts sampling on one loop of the balancer's group.
    func startSampling(on eventLoop: EventLoop) {
        let task = eventLoop.scheduleRepeatedAsyncTask(initialDelay: Self.sampleInterval, delay: Self.sampleInterval) {
            _ in
            self.gather(on: eventLoop).map { metrics in
                let now = UpstreamServer.now()
                self.history.withLockedValue { $0.append(metrics, at: now) }
            }
        }
        sampler.withLockedValue { $0 = task }
    }

    func stopSampling() {
        sampler.withLockedValue { $0?.cancel() }
    }

    /// Every loop's counters added up (each read on its own loop).
    func gather(on eventLoop: EventLoop) -> EventLoopFuture<MetricsSnapshot> {
        let parts = sources.map { source in source.eventLoop.submit { source.metrics.snapshot() } }
        return EventLoopFuture.reduce(MetricsSnapshot(), parts, on: eventLoop, +)
    }

    /// A report as of now.
    func report(on eventLoop: EventLoop) -> EventLoopFuture<StatusReport> {
        gather(on: eventLoop).map { live in self.build(live: live) }
    }

    private func build(live: MetricsSnapshot) -> StatusReport {
        let nowMono = UpstreamServer.now()
        let nowWall = WallClockInstant.now()
        let history = self.history.withLockedValue { $0 }
        var journal: [ServerKey: UpstreamJournalEntry] = [:]
        for source in sources { journal.merge(source.journal.all, uniquingKeysWith: +) }
        let snapshot = balancer.snapshot
        func status(of server: UpstreamServer, in group: String) -> ServerStatus {
            var status = ServerStatus(server: server, nowMono: nowMono, nowWall: nowWall)
            let key = ServerKey(group: group, server: server.id)
            StatusReport.enrich(
                &status, key: key, live: live, history: history, journal: journal, nowMono: nowMono, nowWall: nowWall)
            return status
        }
        var upstreams = snapshot.groups.map { group in
            (name: group.name, servers: group.servers.map { status(of: $0, in: group.name) })
        }
        let draining = balancer.retired.draining().map { retired in
            (group: retired.group, status: status(of: retired.server, in: retired.group))
        }
        StatusReport.appendDraining(draining, to: &upstreams)
        let baseline = history.baseline(window: 10_000_000_000, now: nowMono)
        var rate = 0.0
        if let baseline, nowMono > baseline.at {
            rate = Double(max(0, live.totalRequests - baseline.metrics.totalRequests)) * 1e9
                / Double(nowMono - baseline.at)
        }
        return StatusReport(
            origin: StatusReport.Origin(
                version: BalancerVersion.current,
                uptimeSeconds: Double(nowMono - startedMono) / 1e9,
                generatedAt: nowWall
            ),
            reloads: balancer.reloadStatus,
            connections: balancer.stats.clientCounts,
            requestsPerSecond: rate,
            upstreams: upstreams,
            metrics: live,
            limitZones: LimitZoneStatus.all(in: snapshot, now: nowMono),
            certificates: CertificateStatus.all(in: snapshot)
        )
    }
}
