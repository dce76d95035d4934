/// nginx's smooth weighted round robin: every pick adds each candidate's weight to its running score, chooses the
/// highest score and subtracts the total weight from it. Weights 5,1,1 give a,a,b,a,c,a,a — spread out, not bursts.
///
/// Scores are kept per server index, so a server leaving and rejoining the candidate list keeps its place. Like
/// nginx without a shared `zone`, each event loop keeps its own scores; the shared ticket is not needed.
package struct SmoothWeightedRoundRobin: BalancingPolicy {
    private var scores: [Int]

    package init(serverCount: Int) {
        scores = Array(repeating: 0, count: serverCount)
    }

    package mutating func pick(from candidates: [PickCandidate], ticket: () -> UInt64 = { 0 }) -> Int? {
        guard !candidates.isEmpty else { return nil }
        var total = 0
        var best = -1
        for candidate in candidates {
            let i = candidate.index
            if i >= scores.count { scores.append(contentsOf: repeatElement(0, count: i - scores.count + 1)) }
            scores[i] += candidate.weight
            total += candidate.weight
            if best < 0 || scores[i] > scores[best] { best = i }
        }
        scores[best] -= total
        return best
    }
}
