#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for a client library's socket to become readable or writable, but never past a deadline.
///
/// This is what bounds every blocking libpq call: the connection runs in non-blocking mode and the worker thread
/// sleeps in `poll(2)` with the time left, so a hung server costs at most the check's timeout.
enum SocketWait {
    /// What the client library waits for.
    enum Direction { case readable, writable }

    /// True when the socket is ready (or has an error the library will report); false when the deadline passed.
    static func wait(fd: Int32, for direction: Direction, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            let (seconds, attoseconds) = left.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: fd, events: Int16(direction == .readable ? POLLIN : POLLOUT), revents: 0)
            let result = poll(&descriptor, 1, milliseconds)
            if result > 0 { return true }
            if result == 0 { continue }  // timed out: the loop re-checks the deadline
            if errno == EINTR { continue }
            return true  // a poll failure on this fd surfaces as an error from the library call that follows
        }
    }

    /// The time left until `deadline` as a `timeval`, at least 1 ms (0 means "no timeout" to hiredis).
    static func remainingTimeval(until deadline: ContinuousClock.Instant) -> timeval {
        let left = max(ContinuousClock.now.duration(to: deadline), .milliseconds(1))
        let micros = left.components.attoseconds / 1_000_000_000_000
        return timeval(tv_sec: .init(left.components.seconds), tv_usec: .init(truncatingIfNeeded: micros))
    }
}
