#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A moment on the wall clock, as seconds and nanoseconds since the Unix epoch (UTC).
///
/// Kept apart from `Date` so the hot paths that stamp every response and log line need no Foundation.
public struct WallClockInstant: Sendable, Hashable {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds into that second, 0..<1_000_000_000.
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The current time from the system's real-time clock.
    public static func now() -> WallClockInstant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallClockInstant(seconds: Int64(spec.tv_sec), nanoseconds: Int32(spec.tv_nsec))
    }
}

/// Formats instants as ISO-8601 UTC timestamps with milliseconds: `2025-01-31T09:05:07.042Z`.
public enum ISO8601Timestamp {
    /// The `YYYY-MM-DDTHH:MM:SS` part for a whole second since the epoch (UTC, proleptic Gregorian calendar).
    public static func secondsPrefix(epochSeconds: Int64) -> String {
        // Civil-from-days conversion (Howard Hinnant's algorithm): exact for every date, no libc time zone state.
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondOfDay = epochSeconds - days * 86_400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)

        var text = ""
        text.reserveCapacity(19)
        text += pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        text += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay % 3600 / 60, 2)
        text += ":" + pad(secondOfDay % 60, 2)
        return text
    }

    /// The full timestamp for `instant`, milliseconds truncated (never rounded up into the next second).
    public static func format(_ instant: WallClockInstant) -> String {
        secondsPrefix(epochSeconds: instant.seconds) + millisecondsSuffix(instant)
    }

    /// `.mmmZ` for the instant's fraction of a second.
    static func millisecondsSuffix(_ instant: WallClockInstant) -> String {
        "." + pad(Int64(instant.nanoseconds / 1_000_000), 3) + "Z"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
