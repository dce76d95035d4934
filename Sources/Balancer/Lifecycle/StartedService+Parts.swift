import BalancerCore
/// The balancer's own types that are stopped as they are: their `shutdown()` is the service's.
extension UpstreamResolution: StartedService {}

extension AdminServer: StartedService {}

extension HealthChecker: StartedService {
    func shutdown() async { stop() }
}
