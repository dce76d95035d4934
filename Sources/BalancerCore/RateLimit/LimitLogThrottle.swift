/// Which refusals of the limits get a log line: one per client and zone per interval, at most `maxKeys` clients
/// per interval, and one line summing up the rest once the interval is over. nginx writes a line per refused
/// request, so a client at ten times its rate writes ten lines a second; here it writes one every 10 s, and a
/// flood of clients no more than `maxKeys` lines and a summary.
///
/// One per event loop (no lock), so a client refused on several loops may get a line from each. A value type with
/// the clock passed in.
package struct LimitLogThrottle: Sendable {
    package let interval: Int64
    package let maxKeys: Int
    private var windowEnd: Int64 = .min
    /// Keys (zone-seeded fingerprints) logged in the current interval.
    private var logged: Set<UInt64> = []
    /// Refusals in the current interval that got no line of their own.
    private var unlogged = 0

    package init(interval: Int64 = 10_000_000_000, maxKeys: Int = 100) {
        self.interval = interval
        self.maxKeys = maxKeys
    }

    package struct Decision: Equatable {
        /// Write a line for this refusal.
        package var logThis: Bool
        /// Refusals of the interval that just ended that got no line of their own; write a summary first when set.
        package var unloggedBefore: Int?
    }

    /// A refusal of `key` at `now`.
    package mutating func refused(key: UInt64, now: Int64) -> Decision {
        var summary: Int?
        if now >= windowEnd {
            if unlogged > 0 { summary = unlogged }
            windowEnd = now + interval
            logged.removeAll(keepingCapacity: true)
            unlogged = 0
        }
        if logged.count < maxKeys, logged.insert(key).inserted {
            return Decision(logThis: true, unloggedBefore: summary)
        }
        unlogged += 1
        return Decision(logThis: false, unloggedBefore: summary)
    }
}
