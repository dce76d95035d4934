/// `YYYY-MM-DDTHH:MM:SS` (`ISO8601Timestamp.secondsPrefix`) cut into the pieces other date formats rearrange: the
/// `Date` header's IMF-fixdate and the access log's `$time_local`.
struct ISOSecondsFields {
    /// `1994`
    let year: Substring
    /// 1 to 12.
    let month: Int
    /// `06`
    let day: Substring
    /// `08:49:37`
    let time: Substring

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Nov`
    var monthName: String { Self.monthNames[month - 1] }

    /// - Parameter iso: exactly `YYYY-MM-DDTHH:MM:SS`, the fixed positions of the four-digit years a clock shows.
    init(_ iso: String) {
        let utf8 = iso.utf8
        func field(_ start: Int, _ end: Int) -> Substring {
            Substring(utf8[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)])
        }
        year = field(0, 4)
        month = Int(field(5, 7)) ?? 1
        day = field(8, 10)
        time = field(11, 19)
    }
}
