import Atomics
import BalancerCore

/// The balancing state of one event loop: a policy per group of the loop's current snapshot, and the scratch list
/// of candidates each pick fills (reused, so a pick allocates nothing).
///
/// A struct changed in place through `LoopContext`: its two arrays are then parts of one exclusive access, and the
/// policy reads the candidates where they are (as two stored properties of a class, the list was retained and
/// released around every pick). Loop-bound, as its `LoopContext`.
struct LoopPicker {
    private var policies: [AnyBalancingPolicy]
    private var candidates: [PickCandidate] = []

    init(_ snapshot: ProxySnapshot) {
        policies = snapshot.groups.map {
            AnyBalancingPolicy(method: $0.config.balance, serverCount: $0.servers.count)
        }
    }

    /// The index in `group.servers` of the server to ask, among those eligible now outside `excluded`; nil when
    /// none is (empty or all down). `current`: `group` is the `groupIndex`th group of the snapshot this picker was
    /// made for, whose policy keeps its state; a request still on an older snapshot gets a throwaway policy, which
    /// keeps it on its own snapshot's servers.
    mutating func pick(
        _ group: UpstreamGroup,
        groupIndex: Int,
        current: Bool,
        excluding excluded: ServerSet,
        now: Int64
    ) -> Int? {
        group.eligibleCandidates(into: &candidates, excluding: excluded, now: now)
        // The counter itself, not the group: a closure capturing the group retained and released it on every pick.
        // Written out at each call: a closure kept in a local is a value of its own, and its context was allocated
        // on every pick.
        let tieTicket = group.tieTicket
        if current {
            return policies[groupIndex].pick(from: candidates) {
                tieTicket.loadThenWrappingIncrement(ordering: .relaxed)
            }
        }
        var policy = AnyBalancingPolicy(method: group.config.balance, serverCount: group.servers.count)
        return policy.pick(from: candidates) { tieTicket.loadThenWrappingIncrement(ordering: .relaxed) }
    }
}
