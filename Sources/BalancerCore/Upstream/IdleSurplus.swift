/// What happens to upstream connections that come back idle when a server already has `keepalive` idle ones.
///
/// nginx closes such a connection at once. Under a load whose in-flight count swings around the cap (c=256 over
/// three servers with `keepalive 64`), that closes connections on one turn of the loop and opens new ones a few
/// turns later: the balancer opened 29 connections per 1,000 requests that way, each a `connect`, an `accept` at
/// the upstream and a socket left in `TIME_WAIT`. Here a connection beyond the cap is kept as surplus and closed
/// once it has stayed idle for `grace`; a burst within that time reuses it instead. The number of upstream
/// connections never exceeds what was just in use at once: surplus only outlives the requests that made it.
///
/// `keepalive: 0` keeps nothing, surplus included: that setting turns upstream keep-alive off.
///
/// Times are monotonic nanoseconds. Pure logic; the pool (`UpstreamConnectionPool`) carries the decisions out.
package struct IdleSurplus: Equatable, Sendable {
    /// How long a connection beyond `keepalive` may stay idle before it is closed.
    package var grace: Int64

    /// One second: longer than the swings of a loaded loop (milliseconds), short enough that a spike's surplus is
    /// gone before an operator watching the upstream's connection count would notice it.
    package static let standard = IdleSurplus(grace: 1_000_000_000)

    package init(grace: Int64) {
        self.grace = grace
    }

    /// What to do with a connection coming back when `idleCount` are already kept for its server.
    package enum Checkin: Equatable, Sendable {
        /// Within `keepalive`.
        case keep
        /// Beyond `keepalive`: kept, and a trim must be due by `trimAt` at the latest.
        case keepAsSurplus(trimAt: Int64)
        /// Keep-alive is off (`keepalive: 0`).
        case close
    }

    package func checkin(idleCount: Int, keepalive: Int, now: Int64) -> Checkin {
        guard keepalive > 0 else { return .close }
        return idleCount < keepalive ? .keep : .keepAsSurplus(trimAt: now + grace)
    }

    /// A trim of one server's idle connections: how many of the oldest to close, and when to look again.
    package struct Trim: Equatable, Sendable {
        /// The number of connections to close, from the oldest.
        package var close: Int
        /// When surplus that is not old enough yet will be; nil when none is left.
        package var nextAt: Int64?

        package init(close: Int, nextAt: Int64?) {
            self.close = close
            self.nextAt = nextAt
        }
    }

    /// The trim of a server whose idle connections went idle at `idleSince`, oldest first.
    package func trim(idleSince: some Collection<Int64>, keepalive: Int, now: Int64) -> Trim {
        let surplus = idleSince.count - max(keepalive, 0)
        guard surplus > 0 else { return Trim(close: 0, nextAt: nil) }
        var close = 0
        for since in idleSince.prefix(surplus) {
            guard since + grace <= now else { return Trim(close: close, nextAt: since + grace) }
            close += 1
        }
        return Trim(close: close, nextAt: nil)
    }
}
