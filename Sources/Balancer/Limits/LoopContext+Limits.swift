import BalancerCore
import Logging

/// The rate and connection limits as one event loop runs them: the zones are shared by every loop, the log
/// throttle is this loop's own.
extension LoopContext {
    /// Asks `limits` about a request (`RequestLimiter.check`) at monotonic time `now`; a refusal is logged when the
    /// throttle lets a line through (one per client and zone every 10 s on this loop).
    func checkLimits(_ limits: RouteLimits, client: IPAddress, route: Int, head: HTTP1RequestHead, now: Int64)
        -> RequestLimiter.Outcome
    {
        let outcome = RequestLimiter.check(limits, client: client, route: route, head: head, now: now)
        if let refusal = outcome.refusal { logRefusal(refusal, client: client, now: now) }
        return outcome
    }

    private func logRefusal(_ refusal: RequestLimiter.Refusal, client: IPAddress, now: Int64) {
        let decision = limitLog.refused(key: refusal.fingerprint, now: now)
        if let unlogged = decision.unloggedBefore {
            let seconds = limitLog.interval / 1_000_000_000
            events.logger.warning(
                "limits refused \(unlogged) more requests in the last \(seconds)s than the lines above show (one line per client and zone each interval)")
        }
        guard decision.logThis else { return }
        let zone = refusal.zone
        var message: String
        if let excess = refusal.excess, let rate = zone.rate {
            // nginx: limiting requests, excess: 20.500 by zone "per_ip", client: 203.0.113.7
            let thousandths = Int((excess * 1000).rounded())
            let fraction = String(thousandths % 1000)
            message = "limiting requests, excess: \(thousandths / 1000)."
                + String(repeating: "0", count: 3 - fraction.count) + fraction
                + " by zone \"\(zone.name)\" (\(rate)), client: \(client)"
        } else {
            message = "limiting requests in progress by zone \"\(zone.name)\", client: \(client)"
        }
        message += "; answered \(zone.status), further refusals of this client are counted, not logged, for "
            + "\(limitLog.interval / 1_000_000_000)s"
        events.logger.warning("\(message)")
    }
}
