/// nginx's `least_conn`: the server with the fewest in-flight requests relative to its weight; ties are broken by
/// smooth weighted round robin among the tied servers, so sequential requests over idle servers rotate evenly
/// (30 sequential requests over 3 idle servers → 10 each) instead of always landing on the first.
struct LeastConnPolicy: BalancingPolicy {
    private var tieBreaker: SmoothWeightedRoundRobin
    /// Reused between picks so a pick allocates nothing once warmed up.
    private var tied: [PickCandidate] = []

    init(serverCount: Int) {
        tieBreaker = SmoothWeightedRoundRobin(serverCount: serverCount)
        tied.reserveCapacity(serverCount)
    }

    mutating func pick(from candidates: [PickCandidate]) -> Int? {
        guard let first = candidates.first else { return nil }
        if candidates.count == 1 { return first.index }
        // Compare active/weight ratios without division: a.active * b.weight < b.active * a.weight.
        var best = first
        for candidate in candidates.dropFirst() where candidate.active * best.weight < best.active * candidate.weight {
            best = candidate
        }
        tied.removeAll(keepingCapacity: true)
        for candidate in candidates where candidate.active * best.weight == best.active * candidate.weight {
            tied.append(candidate)
        }
        if tied.count == 1 { return tied[0].index }
        return tieBreaker.pick(from: tied)
    }
}
