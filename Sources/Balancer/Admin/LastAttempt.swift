import BalancerCore
import Shared

/// What the latest attempt at a server says, beside its state. The state alone can mislead: the only server of
/// a group is never ejected (nothing would be left to fail over to) and a group without `health_check` never
/// marks it unhealthy, so a server nothing listens on stays `up` while every request to it fails.
enum LastAttempt: String, Sendable, Equatable {
    /// The server's latest attempt got an answer (any status) from it.
    case answered
    /// The latest attempt failed (connect error, timeout, reset; the journal's last failure says which) and no
    /// answer came after it.
    case failed

    /// Compares the last failure (wall clock, from the journal) with the last answer (monotonic, from the loops'
    /// counters) on one clock: both as "how long ago" at the same moment `nowMono`/`nowWall`. Nil when the
    /// server has had neither.
    static func of(
        lastFailure: WallClockInstant?,
        lastAnsweredAt: Int64,
        nowMono: Int64,
        nowWall: WallClockInstant
    ) -> LastAttempt? {
        let answerAgo: Int64? = lastAnsweredAt > 0 ? nowMono - lastAnsweredAt : nil
        let failureAgo = lastFailure.map { nanoseconds(nowWall) - nanoseconds($0) }
        switch (failureAgo, answerAgo) {
        case (nil, nil): return nil
        case (nil, _): return .answered
        case (_, nil): return .failed
        case let (failure?, answer?): return failure < answer ? .failed : .answered
        }
    }

    /// The wall-clock answer time for `/status.json`, placed like `ejected_until`: now minus its age.
    static func wallTime(ofMono at: Int64, nowMono: Int64, nowWall: WallClockInstant) -> WallClockInstant? {
        guard at > 0 else { return nil }
        let total = nanoseconds(nowWall) - (nowMono - at)
        return WallClockInstant(seconds: total / 1_000_000_000, nanoseconds: Int32(total % 1_000_000_000))
    }

    private static func nanoseconds(_ instant: WallClockInstant) -> Int64 {
        instant.seconds * 1_000_000_000 + Int64(instant.nanoseconds)
    }
}
