/// Formats the `Date` header of responses, RFC 9110's IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// The same text Hummingbird writes, without Foundation or libc time zone state: the calendar arithmetic is
/// `ISO8601Timestamp`'s, only the day of the week and the month name are added here. Both executables stamp their
/// `Date` (and the balancer its `Expires`) headers with it.
public enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The header value for a whole second since the epoch (UTC).
    public static func format(epochSeconds: Int64) -> String {
        // `YYYY-MM-DDTHH:MM:SS`; fixed positions for the four-digit years a server clock shows.
        let iso = Array(ISO8601Timestamp.secondsPrefix(epochSeconds: epochSeconds).utf8)
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        // 1970-01-01 was a Thursday.
        let weekday = Int(((days % 7) + 7 + 4) % 7)
        let month = Int(iso[5] - UInt8(ascii: "0")) * 10 + Int(iso[6] - UInt8(ascii: "0"))
        var text: [UInt8] = []
        text.reserveCapacity(29)
        text += weekdays[weekday].utf8
        text += ", ".utf8
        text += iso[8..<10]
        text.append(UInt8(ascii: " "))
        text += months[month - 1].utf8
        text.append(UInt8(ascii: " "))
        text += iso[0..<4]
        text.append(UInt8(ascii: " "))
        text += iso[11..<19]
        text += " GMT".utf8
        return String(decoding: text, as: UTF8.self)
    }
}
