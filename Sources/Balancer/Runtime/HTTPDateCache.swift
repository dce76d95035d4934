import Shared

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// The current time as the strings the hot path writes, formatted at most once a second per event loop:
/// the IMF-fixdate of `Date:`/`Expires:` headers and nginx's `$time_local` for access logs.
///
/// The IMF-fixdate is `HTTPDate`'s, shared with the replicas; the log forms use libc (`gmtime_r`) and fixed tables
/// rather than Foundation, which keeps them cheap and allocation-light. Confined to one event loop, so no locking.
final class HTTPDateCache {
    private var second: time_t = -1
    private(set) var httpDate = ""
    private(set) var logDate = ""
    private(set) var isoDate = ""

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Refreshes the cached strings if the second changed; cheap to call on every request.
    @inline(__always)
    func refresh() {
        let now = time(nil)
        if now != second { update(now) }
    }

    /// The current Unix time in seconds.
    var unixSeconds: Int64 {
        refresh()
        return Int64(second)
    }

    /// IMF-fixdate `seconds` from now (for `Expires:`).
    func httpDate(secondsFromNow seconds: Int64) -> String {
        refresh()
        return HTTPDateCache.format(time_t(Int64(second) + seconds)).http
    }

    private func update(_ now: time_t) {
        second = now
        let formatted = HTTPDateCache.format(now)
        httpDate = formatted.http
        logDate = formatted.log
        isoDate = formatted.iso
    }

    static func format(_ t: time_t) -> (http: String, log: String, iso: String) {
        var value = t
        var parts = tm()
        gmtime_r(&value, &parts)
        let month = months[Int(parts.tm_mon)]
        let year = Int(parts.tm_year) + 1900
        let d = two(Int(parts.tm_mday))
        let time = "\(two(Int(parts.tm_hour))):\(two(Int(parts.tm_min))):\(two(Int(parts.tm_sec)))"
        let http = HTTPDate.format(epochSeconds: Int64(t))
        let log = "\(d)/\(month)/\(year):\(time) +0000"
        let iso = "\(year)-\(two(Int(parts.tm_mon) + 1))-\(d)T\(time)Z"
        return (http, log, iso)
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
