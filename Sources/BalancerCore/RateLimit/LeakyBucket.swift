/// nginx's `limit_req`: a leaky bucket per key that drains at the zone's rate, with `burst`, `nodelay` and
/// `delay`. Pure arithmetic on one number per key, so the zone can keep it in an atomic word and tests can run it
/// on a clock of their own.
///
/// nginx keeps, per key, `excess` (requests in the bucket beyond the one being served, in thousandths) and the time
/// of the last request, and on a request computes `excess = max(0, excess − rate × elapsed + 1)`: past `burst` the
/// request is refused (and nothing is stored), otherwise it is stored and the request waits
/// `(excess − delay) / rate` when `excess` is above `delay`. The same rule, written as a time: `tat`, the moment
/// the bucket will be empty (the "theoretical arrival time" of the generic cell rate algorithm). With `T` the time
/// one request takes to drain, `excess × T = max(tat, now) − now` — the bucket as it stands before this request,
/// which nginx's `+ 1` and its clamping at zero add up to — and admitting a request moves `tat` to
/// `max(tat, now) + T`. A new key is `tat = 0`: empty, like nginx's new node with `excess = 0`.
///
/// The arithmetic is in nanoseconds, so no fraction of a request is lost to rounding: nginx works in
/// milliseconds and thousandths of a request, and at slow rates (`1r/m` asked every few milliseconds) its
/// truncated drain can fall behind the rate.
package struct LeakyBucket: Sendable, Equatable {
    /// The time one request takes to drain (`RequestRate.intervalNanoseconds`).
    package let interval: Int64
    /// Requests past the rate the bucket holds before refusing (`burst`).
    package let burst: Int64
    /// Requests past the rate that pass at once before the rest wait (`delay`); nil for `nodelay`.
    package let delay: Int64?

    package init(rate: RequestRate, burst: Int, delay: Int?) {
        self.interval = max(1, rate.intervalNanoseconds)
        self.burst = Int64(burst)
        self.delay = delay.map(Int64.init)
    }

    package init(_ rule: RateLimitRule, rate: RequestRate) {
        self.init(rate: rate, burst: rule.burst, delay: rule.delay)
    }

    package enum Decision: Sendable, Equatable {
        /// Pass; store `tat` for the key, and hold the request `delay` nanoseconds first (0: at once).
        case admit(tat: Int64, delay: Int64)
        /// Refuse; nothing is stored. A request `retryAfter` nanoseconds from now would pass.
        case reject(retryAfter: Int64)
    }

    /// The decision for a request at `now` on a key whose bucket empties at `tat` (0 for a new key).
    package func decide(tat: Int64, now: Int64) -> Decision {
        let start = max(tat, now)
        // Requests in the bucket past the one being served, as a time: nginx's excess × T.
        let excess = start - now
        let capacity = burst &* interval
        guard excess <= capacity else { return .reject(retryAfter: excess - capacity) }
        let wait: Int64
        if let delay {
            wait = max(0, excess - delay &* interval)
        } else {
            wait = 0
        }
        return .admit(tat: start &+ interval, delay: wait)
    }

    /// nginx's `excess` for a key: requests (thousandths included) still in its bucket at `now`, for log lines.
    package func excess(tat: Int64, now: Int64) -> Double {
        Double(max(0, tat - now)) / Double(interval)
    }
}
