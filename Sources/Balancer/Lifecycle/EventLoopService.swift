import BalancerCore
/// The event loops as a service: stopped once the drain and every part using the loops (health checks, lookups,
/// admin) are done. Closes what is left on each loop, hands each loop's access-log batch to the writer, then
/// shuts the loops down.
struct EventLoopService: StartedService, CustomStringConvertible {
    let server: BalancerServer

    func shutdown() async {
        await server.closeEventLoops()
    }

    var description: String { "EventLoopService" }
}
