/// The current time as the strings responses and log lines carry, formatted at most once a second:
/// the IMF-fixdate of `Date:` and `Expires:` headers, nginx's `$time_local` and ISO 8601.
///
/// One per event loop and touched only there, so reading it takes no lock; `refresh()` on every request costs a clock
/// read and a compare. Both executables keep one per loop: the balancer in its `LoopContext`, the replica in its
/// `ReplicaLoop`.
public final class LoopDateCache {
    private let clock: @Sendable () -> WallClockInstant
    /// The instant of the last `refresh()`.
    private var instant = WallClockInstant(seconds: .min, nanoseconds: 0)
    /// The monotonic time of the last wall-clock read of `refresh(uptimeNanoseconds:)`; nil before the first.
    private var readAtUptime: UInt64?
    /// `YYYY-MM-DDTHH:MM:SS` of `instant`'s second, the start of both ISO forms.
    private var isoSeconds = ""

    /// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    public private(set) var httpDate = ""
    /// nginx's `$time_local` in UTC, e.g. `06/Nov/1994:08:49:37 +0000`.
    public private(set) var logDate = ""
    /// ISO 8601 to the second, e.g. `1994-11-06T08:49:37Z`.
    public private(set) var isoDate = ""

    /// - Parameter clock: where "now" comes from; tests pass a fixed or stepping clock.
    public init(clock: @escaping @Sendable () -> WallClockInstant = { .now() }) {
        self.clock = clock
    }

    /// Reads the clock and re-formats the strings if the second changed; cheap to call on every request.
    public func refresh() {
        let now = clock()
        if now.seconds != instant.seconds { format(now.seconds) }
        instant = now
    }

    /// `refresh()` for a caller that has read the monotonic clock for its event anyway: the wall clock is read only
    /// when `uptimeNanoseconds` is a millisecond or more past the last such read, so under load one read serves many
    /// requests and the strings are at most a millisecond behind (nginx's cached time is as old as its event loop's
    /// turn).
    public func refresh(uptimeNanoseconds: UInt64) {
        if let last = readAtUptime, uptimeNanoseconds >= last, uptimeNanoseconds - last < 1_000_000 { return }
        readAtUptime = uptimeNanoseconds
        refresh()
    }

    /// The Unix time in seconds, refreshed.
    public var unixSeconds: Int64 {
        refresh()
        return instant.seconds
    }

    /// ISO 8601 with the milliseconds of the last `refresh()`, e.g. `1994-11-06T08:49:37.250Z`.
    public var isoTimestamp: String {
        isoSeconds + ISO8601Timestamp.millisecondsSuffix(instant)
    }

    /// IMF-fixdate `seconds` from now (for `Expires:`), formatted on every call.
    public func httpDate(secondsFromNow seconds: Int64) -> String {
        refresh()
        return HTTPDate.format(epochSeconds: instant.seconds + seconds)
    }

    private func format(_ seconds: Int64) {
        isoSeconds = ISO8601Timestamp.secondsPrefix(epochSeconds: seconds)
        httpDate = HTTPDate.format(epochSeconds: seconds, isoSeconds: isoSeconds)
        isoDate = isoSeconds + "Z"
        let fields = ISOSecondsFields(isoSeconds)
        logDate = "\(fields.day)/\(fields.monthName)/\(fields.year):\(fields.time) +0000"
    }
}
