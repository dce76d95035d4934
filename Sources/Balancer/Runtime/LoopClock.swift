import NIOCore

/// One reading of the monotonic clock for all that an I/O event does, as nginx reads the time once per turn of its
/// event loop: a proxied request asked the clock about eight times (its start, the pick, each timer armed, the
/// answer's latency), a file answer five, each a `clock_gettime`.
///
/// A handler wraps its read callbacks in `during(_:)`; everything they call asks `now` and gets the reading taken
/// when the event began. Outside such an event (a connect completing, a file loaded by the thread pool, a timer
/// firing) `now` reads the clock itself, so no code can see a time older than the event it runs in.
///
/// Loop-bound: one per event loop, used only there.
final class LoopClock {
    private var reading: NIODeadline?
    private let clock: () -> NIODeadline

    /// - Parameter clock: where the time comes from (an `EmbeddedEventLoop`'s in tests).
    init(clock: @escaping () -> NIODeadline = { .now() }) {
        self.clock = clock
    }

    /// The time of the event being handled, or the clock's when no event is.
    var now: NIODeadline {
        // Not `reading ?? clock()`: the autoclosure retained the clock closure even when the reading was there.
        if let reading { return reading }
        return clock()
    }

    /// `now` in the nanoseconds that upstream servers' passive-health windows count in.
    var uptimeNanoseconds: Int64 { Int64(now.uptimeNanoseconds) }

    /// Runs `body` with one reading of the clock for everything it asks the time of. Nested calls (an event that
    /// causes another on the same loop) keep the outer reading.
    @inline(__always)
    func during<Result>(_ body: () throws -> Result) rethrows -> Result {
        guard reading == nil else { return try body() }
        reading = clock()
        defer { reading = nil }
        return try body()
    }
}
