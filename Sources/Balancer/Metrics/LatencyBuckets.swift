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
    /// `histogram_quantile`); nil without observations. Values in the +Inf slot report the last bound.
    static func quantileMilliseconds(_ q: Double, counts: [Int]) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var seen = 0
        for (index, count) in counts.enumerated() where count > 0 {
            if Double(seen + count) >= rank {
                guard index < bounds.count else { return bounds[bounds.count - 1] * 1000 }
                let lower = index == 0 ? 0 : bounds[index - 1]
                let fraction = max(0, min(1, (rank - Double(seen)) / Double(count)))
                return (lower + (bounds[index] - lower) * fraction) * 1000
            }
            seen += count
        }
        return bounds[bounds.count - 1] * 1000
    }
}
