import NIOCore

@testable import Balancer
@testable import BalancerCore

extension HTTP1Event {
    /// The event as one line of text (`head …`, `body <bytes>`, `end`), so that what a decoder produced is checked in
    /// one assertion.
    func text(describingHead describe: (Head) -> String) -> String {
        switch self {
        case .head(let head): "head " + describe(head)
        case .body(let part): "body " + String(buffer: part)
        case .end: "end"
        }
    }
}
