/// What a balancing policy sees of one server when asked to pick: its static weight, its effective weight right now
/// (health and slow start applied beside the policy, by the caller), and its in-flight requests.
package struct PickCandidate: Sendable, Equatable {
    /// Index of the server in its group's list; what `pick` returns.
    package var index: Int
    /// Effective weight (≥ 1 for eligible servers). Slow start lowers it, it never disqualifies a server.
    package var weight: Int
    /// Requests in flight on this server across all event loops.
    package var active: Int

    package init(index: Int, weight: Int, active: Int) {
        self.index = index
        self.weight = weight
        self.active = active
    }
}

/// A balancing policy: built from the server list, asked to pick among the servers that are currently eligible.
///
/// Health, ejection and backup selection are applied beside the policy (they decide which candidates are passed),
/// never inside it, so each policy stays a small deterministic value type that tests drive without sockets.
/// `pick` returns nil exactly when `candidates` is empty: the empty pool and the all-down pool are the caller's
/// explicit 503 case.
package protocol BalancingPolicy: Sendable {
    init(serverCount: Int)
    /// Chooses one of `candidates` and returns its `index`. `ticket` draws from a counter shared by all event
    /// loops, for policies that rotate across the whole process rather than per loop.
    mutating func pick(from candidates: [PickCandidate], ticket: () -> UInt64) -> Int?
}

/// The policy chosen by `balance:`, as a closed enum so the hot path switches instead of dispatching dynamically.
package enum AnyBalancingPolicy: Sendable {
    case leastConn(LeastConnPolicy)
    case roundRobin(SmoothWeightedRoundRobin)

    package init(method: BalanceMethod, serverCount: Int) {
        switch method {
        case .leastConn: self = .leastConn(LeastConnPolicy(serverCount: serverCount))
        case .roundRobin: self = .roundRobin(SmoothWeightedRoundRobin(serverCount: serverCount))
        }
    }

    package mutating func pick(from candidates: [PickCandidate], ticket: () -> UInt64) -> Int? {
        switch self {
        case .leastConn(var policy):
            let choice = policy.pick(from: candidates, ticket: ticket)
            self = .leastConn(policy)
            return choice
        case .roundRobin(var policy):
            let choice = policy.pick(from: candidates, ticket: ticket)
            self = .roundRobin(policy)
            return choice
        }
    }
}
