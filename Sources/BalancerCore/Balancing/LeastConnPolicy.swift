/// nginx's `least_conn`: the server with the fewest in-flight requests relative to its weight. Ties are broken by a
/// ticket shared by all event loops, weighted by the tied servers' weights, so sequential requests over idle servers
/// rotate in turn across the whole process (30 sequential requests over 3 idle servers → 10 each, in order)
/// instead of always landing on the first, whichever loop accepted the connection.
package struct LeastConnPolicy: BalancingPolicy {
    /// Reused between picks so a pick allocates nothing once warmed up.
    private var tied: [PickCandidate] = []

    package init(serverCount: Int) {
        tied.reserveCapacity(serverCount)
    }

    package mutating func pick(from candidates: [PickCandidate], ticket: () -> UInt64) -> Int? {
        guard let first = candidates.first else { return nil }
        if candidates.count == 1 { return first.index }
        // Compare active/weight ratios without division: a.active * b.weight < b.active * a.weight.
        var best = first
        for candidate in candidates.dropFirst() where candidate.active * best.weight < best.active * candidate.weight {
            best = candidate
        }
        tied.removeAll(keepingCapacity: true)
        var divisor = 0
        for candidate in candidates where candidate.active * best.weight == best.active * candidate.weight {
            tied.append(candidate)
            divisor = LeastConnPolicy.gcd(divisor, candidate.weight)
        }
        if tied.count == 1 { return tied[0].index }
        // Weights reduced by their common divisor, so equal weights rotate one by one (not in runs of the weight).
        divisor = max(1, divisor)
        var totalWeight = 0
        for candidate in tied { totalWeight += candidate.weight / divisor }
        var position = Int(ticket() % UInt64(max(1, totalWeight)))
        for candidate in tied {
            if position < candidate.weight / divisor { return candidate.index }
            position -= candidate.weight / divisor
        }
        return tied[tied.count - 1].index
    }

    package static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
