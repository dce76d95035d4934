import BalancerCore
/// Cumulative request counters of one server: by status class and as a latency histogram.
struct ServerCounts: Sendable, Equatable {
    /// Index = status / 100 (0 for anything outside 1xx–5xx).
    var byClass = [Int](repeating: 0, count: 6)
    /// Non-cumulative bucket counts, `LatencyBuckets` order.
    var buckets = [Int](repeating: 0, count: LatencyBuckets.count)
    /// The shortest and longest duration seen in each bucket (ns; `Int64.max` / 0 while empty), so a percentile
    /// is placed between values that were served, not between bucket bounds nobody reached.
    var lowest = [Int64](repeating: .max, count: LatencyBuckets.count)
    var highest = [Int64](repeating: 0, count: LatencyBuckets.count)
    var sumNanoseconds: Int64 = 0
    /// When the server last answered a request (monotonic ns, `UpstreamServer.now()`'s clock; 0 = never).
    var lastAnsweredAt: Int64 = 0

    var total: Int { byClass.reduce(0, +) }

    /// Counts one request that took `nanoseconds` (on the request path: a few compares, no allocation), and when
    /// the server answered it (`answeredAt`, nil when the attempt failed).
    mutating func record(nanoseconds: Int64, codeClass: Int, answeredAt: Int64? = nil) {
        if let answeredAt { lastAnsweredAt = answeredAt }
        let slot = LatencyBuckets.index(nanoseconds: nanoseconds)
        byClass[codeClass] &+= 1
        buckets[slot] &+= 1
        if nanoseconds < lowest[slot] { lowest[slot] = nanoseconds }
        if nanoseconds > highest[slot] { highest[slot] = nanoseconds }
        sumNanoseconds &+= nanoseconds
    }

    static func + (a: ServerCounts, b: ServerCounts) -> ServerCounts {
        var sum = a
        for i in 0..<sum.byClass.count { sum.byClass[i] += b.byClass[i] }
        for i in 0..<sum.buckets.count {
            sum.buckets[i] += b.buckets[i]
            sum.lowest[i] = min(a.lowest[i], b.lowest[i])
            sum.highest[i] = max(a.highest[i], b.highest[i])
        }
        sum.sumNanoseconds += b.sumNanoseconds
        sum.lastAnsweredAt = max(a.lastAnsweredAt, b.lastAnsweredAt)
        return sum
    }

    /// The observed range of each bucket, for `LatencyBuckets.quantileMilliseconds`. Kept since start: a window's
    /// bucket counts are differences of samples, its ranges cannot be, so a range may be a little wider than the
    /// window's — still inside the bucket and never beyond the longest request served.
    var observed: [ClosedRange<Int64>?] {
        zip(lowest, highest).map { low, high in low <= high ? low...high : nil }
    }

    /// The bucket counts gained since `earlier` (for windows such as the last minute).
    func buckets(since earlier: ServerCounts?) -> [Int] {
        guard let earlier else { return buckets }
        return zip(buckets, earlier.buckets).map { max(0, $0 - $1) }
    }
}

/// Request counters of the whole balancer at one moment, summed over event loops. A plain value: samples of it
/// are kept for rates, and the Prometheus writer renders it.
struct MetricsSnapshot: Sendable, Equatable {
    /// Finished requests by status class (index = status / 100), local answers included.
    var requestsByClass = [Int](repeating: 0, count: 6)
    var bytesSent: Int64 = 0
    var servers: [ServerKey: ServerCounts] = [:]

    var totalRequests: Int { requestsByClass.reduce(0, +) }

    static func + (a: MetricsSnapshot, b: MetricsSnapshot) -> MetricsSnapshot {
        var sum = a
        for i in 0..<sum.requestsByClass.count { sum.requestsByClass[i] += b.requestsByClass[i] }
        sum.bytesSent += b.bytesSent
        sum.servers.merge(b.servers, uniquingKeysWith: +)
        return sum
    }

    /// `2xx` for index 2; `other` for statuses outside 1xx–5xx.
    static func classLabel(_ index: Int) -> String { index == 0 ? "other" : "\(index)xx" }
}
