import BalancerCore
import NIOCore

/// The answer to an unconditional request for a whole file (no precondition, no range), worked out once per
/// open-file cache entry and kept with it. Every such request with the same method and codings gets the same plan,
/// the same body and the same head lines from `Content-Type` to `Cache-Control`, so after the first one a request
/// costs a lookup, the status line, `Date` and the lines that change per request (`Expires`, the configured
/// headers, the request id, the connection's fate) — not a new plan. `StaticResponsePlan.decide` stays the only
/// place that says what the answer is: this only remembers what it said. A class: the entry hands out a reference,
/// not a copy of the plan's strings.
final class StaticPreparedAnswer {
    let isHead: Bool
    let accepted: AcceptedEncodings
    let sending: StaticSending
    let body: StaticBody?
    let fixedLines: ByteBuffer

    /// At most this many per entry (GET and HEAD, with and without a coding the client accepts).
    static let perEntry = 4

    init(request: StaticRequest, plan: StaticResponsePlan, body: StaticBody?, allocator: ByteBufferAllocator) {
        self.isHead = request.isHead
        self.accepted = request.accepted
        let sending = StaticSending(plan, body: body)
        self.sending = sending
        self.body = body
        var lines = allocator.buffer(capacity: 256)
        StaticResponseHead.writeFixedLines(plan, contentLength: sending.headLength, into: &lines)
        self.fixedLines = lines
    }

    func answers(_ request: StaticRequest) -> Bool {
        isHead == request.isHead && accepted == request.accepted
    }
}
