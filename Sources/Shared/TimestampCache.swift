import NIOConcurrencyHelpers

/// Hands out ISO-8601 UTC timestamps for "now", reformatting the date and time only once per second.
///
/// For what runs anywhere, such as `StdoutLogHandler`'s lines and the replica's routes run by Hummingbird: the
/// calendar arithmetic is done once a second and shared by all threads, so a stamp costs a clock read, a lock and a
/// small string append. Code confined to one event loop uses that loop's `LoopDateCache` instead, without the lock.
public final class TimestampCache: Sendable {
    /// The process-wide cache reading the system clock.
    public static let shared = TimestampCache()

    private let clock: @Sendable () -> WallClockInstant
    private let cached: NIOLockedValueBox<(seconds: Int64, prefix: String)>

    /// - Parameter clock: where "now" comes from; tests pass a fixed or stepping clock.
    public init(clock: @escaping @Sendable () -> WallClockInstant = { .now() }) {
        self.clock = clock
        self.cached = NIOLockedValueBox((seconds: Int64.min, prefix: ""))
    }

    /// The current time, e.g. `2025-01-31T09:05:07.042Z`.
    public func now() -> String {
        let instant = clock()
        let prefix = cached.withLockedValue { entry -> String in
            if entry.seconds != instant.seconds {
                entry = (instant.seconds, ISO8601Timestamp.secondsPrefix(epochSeconds: instant.seconds))
            }
            return entry.prefix
        }
        return prefix + ISO8601Timestamp.millisecondsSuffix(instant)
    }
}
