import BalancerCore
/// The released version of the balancer, shown by `balancer --version` and in logs.
enum BalancerVersion {
    static let current = "0.1.0"
}
