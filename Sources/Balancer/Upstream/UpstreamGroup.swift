import Atomics
import BalancerCore

/// An upstream group at run time: its settings and servers, shared by all event loops.
///
/// Picking is split in two: which servers are eligible now (backups only when no primary is) is decided here,
/// beside the policy; which eligible server gets the request is the policy's job (`AnyBalancingPolicy`).
final class UpstreamGroup: Sendable {
    let config: UpstreamConfig
    let servers: [UpstreamServer]
    /// `servers` again, unretained, for the pass over them on every pick (`servers` keeps them alive).
    private let unretainedServers: [Unmanaged<UpstreamServer>]
    let hasBackups: Bool
    /// TLS to the servers (`tls:` of the group); nil = plain HTTP.
    let tls: UpstreamTLS?
    let slowStartNanoseconds: Int64
    /// Tie-break counter of `least_conn`, shared by all event loops. Unsafe (destroyed with the group) for the
    /// same reason as the servers' counters: no object retained per pick.
    let tieTicket = UnsafeAtomic<UInt64>.create(0)

    init(config: UpstreamConfig, tls: UpstreamTLS? = nil, servers: [UpstreamServer]) {
        self.config = config
        self.tls = tls
        self.servers = servers
        self.unretainedServers = servers.map { Unmanaged.passUnretained($0) }
        self.hasBackups = servers.contains { $0.config.backup }
        self.slowStartNanoseconds = config.slowStart.nanoseconds
    }

    deinit { _ = tieTicket.destroy() }

    var name: String { config.name }

    /// Fills `candidates` with the servers that may take a request now, excluding `excluded` (servers already tried
    /// for this request). Primaries first; backups only when no primary is eligible, as nginx's `backup`.
    /// Servers ejected by passive health are left out; when none is left the caller answers 503.
    func eligibleCandidates(into candidates: inout [PickCandidate], excluding excluded: ServerSet, now: Int64) {
        candidates.removeAll(keepingCapacity: true)
        collect(into: &candidates, backups: false, excluding: excluded, now: now)
        if candidates.isEmpty && hasBackups {
            collect(into: &candidates, backups: true, excluding: excluded, now: now)
        }
    }

    private func collect(
        into candidates: inout [PickCandidate],
        backups: Bool,
        excluding excluded: ServerSet,
        now: Int64
    ) {
        // Through unretained references (`servers` keeps them alive): iterating the array retained and released
        // every server on every pick.
        for index in unretainedServers.indices {
            unretainedServers[index]._withUnsafeGuaranteedRef { server in
                guard server.config.backup == backups, !excluded.contains(index), server.isAvailable(now: now) else {
                    return
                }
                candidates.append(
                    PickCandidate(
                        index: index,
                        weight: server.effectiveWeight(now: now, slowStart: slowStartNanoseconds),
                        active: server.active.load(ordering: .relaxed)
                    )
                )
            }
        }
    }
}
