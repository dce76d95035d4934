import Foundation

@testable import Balancer
@testable import BalancerCore

/// The harness's admin listener (bound on 127.0.0.1:0 like the public one).
extension BalancerHarness {
    var adminPort: Int { server.adminServer?.boundAddress?.port ?? 0 }
    var adminURL: String { "http://127.0.0.1:\(adminPort)" }
}
