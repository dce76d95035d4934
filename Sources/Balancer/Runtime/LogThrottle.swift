import BalancerCore
import NIOCore

/// Lets one log line through per interval and counts the events it held back, so a burst of the same event
/// (connections refused at the limit, accepts failing for want of descriptors) costs one line a second instead of
/// one line per event — a flood of log lines would itself eat the CPU and disk the burst already strains.
///
/// A value type with the clock passed in, so the rule is tested without waiting.
struct LogThrottle: Sendable {
    let interval: TimeAmount
    private var nextLine: NIODeadline = .uptimeNanoseconds(0)
    private var heldBack = 0

    init(interval: TimeAmount) {
        self.interval = interval
    }

    /// One event at `now`: the number of events held back since the last line when a line may be written now
    /// (0 for the first), or nil when this event is only counted.
    mutating func event(at now: NIODeadline) -> Int? {
        guard now >= nextLine else {
            heldBack += 1
            return nil
        }
        defer { heldBack = 0 }
        nextLine = now + interval
        return heldBack
    }
}
