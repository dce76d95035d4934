import NIOConcurrencyHelpers
import Shared

/// Hands out the `Date` header value for "now", formatting it only once per second.
///
/// Shared by every connection of the fast path: a lookup costs a clock read, a lock and no allocation.
final class HTTPDateCache: Sendable {
    private let clock: @Sendable () -> WallClockInstant
    private let cached: NIOLockedValueBox<(seconds: Int64, text: String)>

    /// - Parameter clock: where "now" comes from; tests pass a fixed clock.
    init(clock: @escaping @Sendable () -> WallClockInstant = { .now() }) {
        self.clock = clock
        self.cached = NIOLockedValueBox((seconds: Int64.min, text: ""))
    }

    /// The current second as IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    func now() -> String {
        let seconds = clock().seconds
        return cached.withLockedValue { entry in
            if entry.seconds != seconds {
                entry = (seconds, HTTPDate.format(epochSeconds: seconds))
            }
            return entry.text
        }
    }
}
