import BalancerCore
import Logging
import NIOCore

/// Connections closed for want of a valid PROXY protocol header: counted for `/metrics`, logged at most once a
/// second per loop (a port scan or a misconfigured load balancer would otherwise write a line per connection).
extension LoopContext {
    func proxyProtocolFailed(_ reason: String, peer: String) {
        stats.proxyProtocolRefused.wrappingIncrement(ordering: .relaxed)
        guard let heldBack = proxyProtocolLog.event(at: .now()) else { return }
        let more = heldBack == 0 ? "" : " (\(heldBack) more since the last message)"
        events.logger.warning("closing a connection from \(peer) on a proxy_protocol listener: \(reason)\(more)")
    }
}
