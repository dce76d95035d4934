import BalancerCore
import ServiceLifecycle

/// A part of the running balancer that `BalancerServer.start()` has already started, run in the `ServiceGroup`
/// only to be stopped at its turn: `run()` waits for graceful shutdown, then calls `shutdown()`.
///
/// Starting stays in `start()` because a group starts all its services at once, and the balancer's parts start in
/// an order (names looked up before the first listener accepts, the admin listener before both). Stopping goes the
/// other way, in the group's reverse order — and in `BalancerServer.shutdown(timeout:)`, which walks the same list.
protocol StartedService: Service {
    /// Stops this part; returns once it is stopped.
    func shutdown() async
}

extension StartedService {
    func run() async {
        // Cancelled instead (another service failed): the part is stopped all the same, so nothing is left open.
        try? await gracefulShutdown()
        await shutdown()
    }
}
