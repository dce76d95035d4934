import NIOCore
import NIOHTTP1

/// What a request's limits say: pass, wait, or be refused. Handed to `ProxyStateMachine`, which decides what the
/// connection does with it.
package enum LimitVerdict: Sendable, Equatable {
    case pass
    /// Hold the request this long before it goes upstream (nginx's delay within `burst`).
    case delay(TimeAmount)
    /// Answer `status`, with `Retry-After: retryAfter` seconds when a rate zone refused.
    case refuse(HTTPResponseStatus, retryAfter: Int?)
}

/// The requests in progress a request is counted as, per connection zone; released when it ends.
package struct LimitLease: Sendable {
    private var held: [(table: LimitZoneTable, slot: Int)] = []

    package init() {}

    package var isEmpty: Bool { held.isEmpty }

    mutating func add(_ table: LimitZoneTable, slot: Int) {
        held.append((table, slot))
    }

    /// Ends the counting; calling again does nothing.
    package mutating func release() {
        for (table, slot) in held { table.release(slot: slot) }
        held.removeAll()
    }
}

/// nginx's order of limits for one request: every rate zone is asked without being charged, then the connection
/// zones count the request, and only when all agree are the rate zones charged — so a refused request costs no
/// zone anything, as in nginx. The delay is the longest any rate zone asks for.
package enum RequestLimiter {
    /// Which zone refused, for the log line.
    package struct Refusal {
        package var zone: LimitZone
        package var fingerprint: UInt64
        /// A rate zone's excess (nginx's `excess:` in its log line); nil for a connection zone.
        package var excess: Double?
    }

    package struct Outcome {
        package var verdict: LimitVerdict
        /// Release when the request ends (empty unless a connection zone counts it).
        package var lease = LimitLease()
        package var refusal: Refusal?
    }

    /// The limits of a request of `client` (after `real_ip`) on route `route` (-1: none) with `head`, at `now`.
    package static func check(
        _ limits: RouteLimits,
        client: IPAddress,
        route: Int,
        head: HTTP1RequestHead,
        now: Int64
    ) -> Outcome {
        if limits.connections.isEmpty && limits.rates.count == 1 {
            // The usual case: one rate zone, decided and charged in one step.
            let rule = limits.rates[0]
            guard let key = rule.zone.fingerprint(client: client, route: route, head: head) else {
                return Outcome(verdict: .pass)
            }
            return outcome(rule, key: key, rule.zone.table.decide(key, bucket: rule.bucket, now: now, commit: true))
        }
        var keyed: [(rule: RouteLimits.Rate, key: UInt64)] = []
        for rule in limits.rates {
            guard let key = rule.zone.fingerprint(client: client, route: route, head: head) else { continue }
            let decision = rule.zone.table.decide(key, bucket: rule.bucket, now: now, commit: false)
            if case .reject = decision { return outcome(rule, key: key, decision) }
            keyed.append((rule, key))
        }
        var lease = LimitLease()
        for rule in limits.connections {
            guard let key = rule.zone.fingerprint(client: client, route: route, head: head) else { continue }
            switch rule.zone.table.acquire(key, max: rule.max) {
            case .acquired(let slot):
                lease.add(rule.zone.table, slot: slot)
            case .atLimit, .full:
                lease.release()
                rule.zone.counters.limited.wrappingIncrement(ordering: .relaxed)
                return Outcome(
                    verdict: .refuse(HTTPResponseStatus(statusCode: rule.zone.status), retryAfter: nil),
                    refusal: Refusal(zone: rule.zone, fingerprint: key, excess: nil))
            }
        }
        var delay: Int64 = 0
        for (rule, key) in keyed {
            // Charged now; a bucket another request filled since the first look still lets this one through.
            if case .admit(_, let wait) = rule.zone.table.decide(key, bucket: rule.bucket, now: now, commit: true),
                wait > 0
            {
                rule.zone.counters.delayed.wrappingIncrement(ordering: .relaxed)
                delay = max(delay, wait)
            }
        }
        return Outcome(verdict: delay > 0 ? .delay(.nanoseconds(delay)) : .pass, lease: lease)
    }

    /// The outcome of one rate zone's decision, counted in its counters.
    private static func outcome(_ rule: RouteLimits.Rate, key: UInt64, _ decision: LeakyBucket.Decision) -> Outcome {
        switch decision {
        case .admit(_, let wait):
            guard wait > 0 else { return Outcome(verdict: .pass) }
            rule.zone.counters.delayed.wrappingIncrement(ordering: .relaxed)
            return Outcome(verdict: .delay(.nanoseconds(wait)))
        case .reject(let retryAfter):
            rule.zone.counters.limited.wrappingIncrement(ordering: .relaxed)
            let excess = Double(retryAfter + rule.bucket.burst * rule.bucket.interval) / Double(rule.bucket.interval)
            return Outcome(
                verdict: .refuse(HTTPResponseStatus(statusCode: rule.zone.status), retryAfter: seconds(retryAfter)),
                refusal: Refusal(zone: rule.zone, fingerprint: key, excess: excess))
        }
    }

    /// `Retry-After` in whole seconds, rounded up, at least 1.
    package static func seconds(_ nanoseconds: Int64) -> Int {
        max(1, Int((nanoseconds + 999_999_999) / 1_000_000_000))
    }
}
