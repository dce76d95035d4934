import BalancerCore
/// The public listeners as a service: stopped first of the server's parts. They stop accepting, then the
/// connections they accepted drain (`BalancerServer.drainClients()`) until the last one closes, the deadline
/// passes or a second signal comes.
struct ProxyListenerService: StartedService, CustomStringConvertible {
    let server: BalancerServer

    func shutdown() async {
        await server.stopAccepting()
        await server.drainClients()
    }

    var description: String { "ProxyListenerService" }
}
