import NIOCore
import NIOHTTP1

@testable import Balancer
@testable import BalancerCore

extension ProxyStateMachine {
    /// A machine with nginx's default timeouts (`Timeouts()`), as the tests below expect them.
    init() { self.init(timeouts: Timeouts()) }

    /// Picks server `index` and attaches a writable connection to it, as a pooled connection would be attached.
    @discardableResult
    mutating func attach(server index: Int = 0) -> AttachAction {
        guard case .connect(let id) = serverPicked(index) else { return .decline }
        return upstreamConnected(attempt: id, writable: true)
    }
}

extension ProxyStateMachine.AttachAction {
    /// `.sendRequest` with nothing held and the end as given.
    static func sendHead(end: Bool) -> Self { .sendRequest(body: [], end: end, resumeReads: false) }
}

extension ServerSet {
    /// The set of these server indexes.
    init(_ indexes: [Int]) {
        self = .empty
        for index in indexes { insert(index) }
    }
}
