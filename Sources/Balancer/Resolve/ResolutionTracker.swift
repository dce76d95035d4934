import BalancerCore
/// The lookups of one server name over time: the last good address set, and whether a failure is being
/// reported, so a name that fails every interval logs once when it starts failing and once when it recovers.
///
/// A failed lookup — no answer, an error, or an answer without addresses — keeps the last good set: a DNS outage
/// or a moment with every replica restarting must not empty a group that is still serving.
struct ResolutionTracker: Sendable, Equatable {
    /// What a lookup result means for the servers and for the log.
    enum Event: Sendable, Equatable {
        /// Same addresses as before: nothing to do.
        case unchanged
        /// The first good answer, or a different one: rebuild the group.
        case changed(ResolvedMembership)
        /// A good answer after failures; `membership` says whether the set changed meanwhile.
        case recovered(ResolvedMembership)
        /// The first failure in a row: log it.
        case startedFailing
        /// Another failure in a row: already logged, stay quiet.
        case stillFailing
    }

    /// The last good address set, sorted; nil until a lookup has succeeded.
    private(set) var addresses: [String]?
    private(set) var isFailing = false

    /// Records a lookup that found `found` (an empty answer counts as a failure).
    mutating func record(found: [String]) -> Event {
        guard !found.isEmpty else { return recordFailure() }
        let membership = ResolvedMembership(old: addresses ?? [], new: found)
        addresses = membership.current
        if isFailing {
            isFailing = false
            return .recovered(membership)
        }
        return membership.isChanged ? .changed(membership) : .unchanged
    }

    /// Records a lookup that failed.
    mutating func recordFailure() -> Event {
        defer { isFailing = true }
        return isFailing ? .stillFailing : .startedFailing
    }
}
