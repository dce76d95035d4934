import BalancerCore
/// The fixed latency buckets shared by the per-loop histograms, `/metrics` and the p50/p99 on the status page.
///
/// Fixed bounds keep a recording to one array increment and let histograms of every loop and every sample be
/// added and subtracted bucket by bucket.
enum LatencyBuckets {
    /// Upper bounds in seconds (Prometheus `le`); one more slot counts everything above the last.
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let boundNanoseconds: [Int64] = bounds.map { Int64($0 * 1_000_000_000) }
    /// Slots per histogram: one per bound plus +Inf.
    static var count: Int { bounds.count + 1 }

    /// The slot for a duration: the first bound it does not exceed.
    static func index(nanoseconds: Int64) -> Int {
        var index = 0
        while index < boundNanoseconds.count && nanoseconds > boundNanoseconds[index] { index += 1 }
        return index
    }

    /// The `q` quantile (0...1) in milliseconds, interpolated linearly inside its bucket (as Prometheus'
    /// `histogram_quantile`); nil without observations.
    ///
    /// With `observed` (the shortest and longest duration seen per bucket) the interpolation runs between those
    /// instead of the bucket's bounds, so a quantile never exceeds the longest request served: one 2,000 ms
    /// request is a p99 of 2,000 ms, not a point three quarters into (1 s, 2.5 s]. Without it, values in the +Inf
    /// slot report the last bound.
    static func quantileMilliseconds(_ q: Double, counts: [Int], observed: [ClosedRange<Int64>?]? = nil) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var seen = 0
        for (index, count) in counts.enumerated() where count > 0 {
            if Double(seen + count) >= rank {
                var lower = index == 0 ? 0 : bounds[index - 1]
                var upper = index < bounds.count ? bounds[index] : bounds[bounds.count - 1]
                if let range = observed?[index] ?? nil {
                    let (low, high) = (Double(range.lowerBound) / 1e9, Double(range.upperBound) / 1e9)
                    upper = index < bounds.count ? min(upper, high) : high
                    lower = min(max(lower, low), upper)
                } else if index == bounds.count {
                    return upper * 1000
                }
                let fraction = max(0, min(1, (rank - Double(seen)) / Double(count)))
                return (lower + (upper - lower) * fraction) * 1000
            }
            seen += count
        }
        return bounds[bounds.count - 1] * 1000
    }
}
