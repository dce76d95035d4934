import BalancerCore
/// Samples of the cumulative counters taken every few seconds: the source of requests per second, of the
/// last-minute percentiles and of the 5-minute chart. A plain value; the admin server keeps it behind a lock.
struct RateHistory: Sendable {
    /// One sample: when (monotonic ns) and the counters then.
    struct Sample: Sendable {
        var at: Int64
        var metrics: MetricsSnapshot
    }

    let capacity: Int
    private(set) var samples: [Sample] = []

    /// `capacity` samples: 61 every 5 s give 60 intervals, 5 minutes.
    init(capacity: Int = 61) {
        self.capacity = capacity
    }

    mutating func append(_ metrics: MetricsSnapshot, at time: Int64) {
        samples.append(Sample(at: time, metrics: metrics))
        if samples.count > capacity { samples.removeFirst(samples.count - capacity) }
    }

    /// The newest sample at least `window` ns before `now`, else the oldest one (shorter history after start).
    func baseline(window: Int64, now: Int64) -> Sample? {
        samples.last { now - $0.at >= window } ?? samples.first
    }

    /// Requests per second of `key` between `baseline` and the live counters.
    static func rate(_ key: ServerKey, live: MetricsSnapshot, now: Int64, baseline: Sample?) -> Double {
        guard let baseline, now > baseline.at else { return 0 }
        let delta = (live.servers[key]?.total ?? 0) - (baseline.metrics.servers[key]?.total ?? 0)
        return Double(max(0, delta)) * 1e9 / Double(now - baseline.at)
    }

    /// Requests per second of `key` in each interval between consecutive samples, oldest first.
    func series(_ key: ServerKey) -> [Double] {
        guard samples.count > 1 else { return [] }
        return (1..<samples.count).map { i in
            let (a, b) = (samples[i - 1], samples[i])
            let delta = (b.metrics.servers[key]?.total ?? 0) - (a.metrics.servers[key]?.total ?? 0)
            return b.at > a.at ? (Double(max(0, delta)) * 1e9 / Double(b.at - a.at) * 10).rounded() / 10 : 0
        }
    }
}
