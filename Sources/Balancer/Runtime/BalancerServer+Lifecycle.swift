import Atomics
import BalancerCore
import NIOCore

/// The server's parts as services, in start order, and the steps that stop them. `BalancerRuntime` runs them in
/// one `ServiceGroup`, which stops them in reverse order; `shutdown(timeout:)` walks the same list for tests.
extension BalancerServer {
    /// In start order; shutdown goes from the last to the first: the listeners stop accepting and their
    /// connections drain, then health checks, name lookups and the admin listener stop, the event loops close,
    /// and the access log, written last, has every request answered before exit.
    var services: [any StartedService] {
        var services: [any StartedService] = [AccessLogService(writer: accessLog), EventLoopService(server: self)]
        if let adminServer { services.append(adminServer) }
        services += [resolution, healthChecker, ProxyListenerService(server: self)]
        return services
    }

    /// Stops accepting, lets in-flight requests finish (their responses close their connections), closes idle
    /// connections, and at `timeout` — or at `closeNow()` — closes whatever is still open; then stops the rest.
    func shutdown(timeout: TimeAmount) async {
        drainTimeout.withLockedValue { $0 = timeout }
        for service in services.reversed() { await service.shutdown() }
    }

    /// Fixes how long the drain may take: the timeout the termination signal's log line names, even if a reload
    /// in progress changes `shutdown_timeout` before the drain begins.
    func requestDrain(timeout: TimeAmount) {
        drainTimeout.withLockedValue { $0 = $0 ?? timeout }
    }

    /// A second termination signal: stop waiting for the drain and close everything.
    func closeNow() {
        drain.closeNow()
    }

    /// Every loop closes its idle connections and answers the rest with `Connection: close`; returns when the
    /// last client connection is gone, at the drain's deadline, or at `closeNow()` — then closes what is left.
    /// Cancelling the calling task counts as `closeNow()`.
    func drainClients() async {
        let timeout = drainTimeout.withLockedValue { $0 } ?? .milliseconds(snapshot.config.shutdownTimeout.milliseconds)
        let loops = futuresFromEveryLoop { $0.beginDraining() }
        let waiting = drain.wait(for: loops, timeout: timeout, on: group.next())
        let outcome = await withTaskCancellationHandler {
            (try? await waiting.get()) ?? .closeNow
        } onCancel: { [drain] in
            drain.closeNow()
        }
        guard outcome != .drained else { return }
        let left = stats.activeClients.load(ordering: .relaxed)
        if left > 0 {
            let why = outcome == .closeNow ? "on a second signal" : "at the shutdown deadline"
            logger.notice("closing \(left) client connections still open \(why)")
        }
        await onEveryLoop { $0.closeAllClients() }
    }

    /// Closes what is still open on every loop, hands each loop's access-log lines to the writer, and shuts the
    /// loops down. After this no request can finish any more.
    func closeEventLoops() async {
        await onEveryLoop { context in
            context.closeAllClients()
            context.accessLog?.stop()
            context.pool.closeIdle()
        }
        try? await group.shutdownGracefully()
    }
}
