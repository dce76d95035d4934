/// Formats the `Date` header of responses, RFC 9110's IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// The same text Hummingbird writes, without Foundation or libc time zone state: the calendar arithmetic is
/// `ISO8601Timestamp`'s, only the day of the week and the month name are added here. Both executables stamp their
/// `Date` (and the balancer its `Expires`) headers with it.
public enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    /// The header value for a whole second since the epoch (UTC).
    public static func format(epochSeconds: Int64) -> String {
        format(epochSeconds: epochSeconds, isoSeconds: ISO8601Timestamp.secondsPrefix(epochSeconds: epochSeconds))
    }

    /// The header value for `epochSeconds`, whose `ISO8601Timestamp.secondsPrefix` the caller already has.
    static func format(epochSeconds: Int64, isoSeconds: String) -> String {
        let fields = ISOSecondsFields(isoSeconds)
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        // 1970-01-01 was a Thursday.
        let weekday = weekdays[Int(((days % 7) + 7 + 4) % 7)]
        return "\(weekday), \(fields.day) \(fields.monthName) \(fields.year) \(fields.time) GMT"
    }
}
