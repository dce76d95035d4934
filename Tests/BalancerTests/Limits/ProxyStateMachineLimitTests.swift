import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The limits as events of the client connection's state machine: when the limits are asked, what a refusal and a
/// delay do to the connection, and how a delayed request goes on.
final class ProxyStateMachineLimitTests: XCTestCase {
    private let policy = ProxyStateMachine.Policy(maxBodySize: 1000, tries: 3, nextUpstream: [.error, .timeout])

    private func received(_ text: String) throws -> HTTP1RequestHead {
        try RequestHeadFixture.decode(text)
    }

    private func get(_ extra: String = "") throws -> HTTP1RequestHead {
        try received("GET /api/x HTTP/1.1\r\nHost: a\r\n\(extra)\r\n")
    }

    func testARefusalAnswersAndKeepsTheConnectionForTheNextTry() throws {
        var machine = ProxyStateMachine()
        let action = machine.requestHeadReceived(try get(), policy: policy, route: .proxy(route: 0), now: 0) {
            .refuse(.tooManyRequests, retryAfter: 2)
        }
        XCTAssertEqual(action, .refuse(.tooManyRequests, retryAfter: 2, close: false))
        XCTAssertEqual(machine.requestEndReceived(), .none)
        XCTAssertEqual(machine.localResponseWritten(), .keepOpen(keepaliveTimeout: .seconds(75)))
        XCTAssertTrue(machine.isIdle)
        XCTAssertEqual(machine.requestLogged(), .release, "an ended request no longer counts")
    }

    func testARefusedRequestWithABodyClosesAfterTheAnswer() throws {
        var machine = ProxyStateMachine()
        let post = try received("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n")
        XCTAssertEqual(
            machine.requestHeadReceived(post, policy: policy, route: .proxy(route: 0), now: 0) {
                .refuse(.tooManyRequests, retryAfter: nil)
            },
            .refuse(.tooManyRequests, retryAfter: nil, close: true))
        XCTAssertEqual(machine.requestBodyReceived(ByteBuffer(string: "abcde")), .discard)
    }

    /// nginx applies `limit_req` after the request is known to be valid: a malformed or oversized request is
    /// answered without charging any zone, and a request no route takes is charged (the top-level limits).
    func testTheLimitsAreAskedOnlyForRequestsThatPassTheChecks() throws {
        var asked = 0
        let count = { () -> LimitVerdict in
            asked += 1
            return .pass
        }
        var machine = ProxyStateMachine()
        let twoHosts = try received("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        XCTAssertEqual(machine.requestHeadReceived(twoHosts, policy: policy, route: .proxy(route: 0), now: 0, limits: count),
            .respond(.badRequest, close: true))
        machine = ProxyStateMachine()
        let large = try received("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n")
        XCTAssertEqual(machine.requestHeadReceived(large, policy: policy, route: .proxy(route: 0), now: 0, limits: count),
            .respond(.payloadTooLarge, close: true))
        XCTAssertEqual(asked, 0)
        machine = ProxyStateMachine()
        XCTAssertEqual(
            machine.requestHeadReceived(try get(), policy: policy, route: .refuse(.notFound), now: 0, limits: count),
            .respond(.notFound, close: false))
        XCTAssertEqual(asked, 1)
        machine = ProxyStateMachine()
        XCTAssertEqual(
            machine.requestHeadReceived(try get(), policy: policy, route: .refuse(.notFound), now: 0) {
                .refuse(.tooManyRequests, retryAfter: 1)
            },
            .refuse(.tooManyRequests, retryAfter: 1, close: false))
    }

    func testADelayedRequestWaitsWithoutReadingThenGoesOn() throws {
        var machine = ProxyStateMachine()
        let post = try received("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(
            machine.requestHeadReceived(post, policy: policy, route: .proxy(route: 0), now: 0) {
                .delay(.milliseconds(300))
            },
            .delay(.milliseconds(300), timer: .disarm))
        // Nothing more is read from it meanwhile, as nginx blocks reading during the delay.
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: false), .hold)
        // The delay is over: the request goes on as `.proxy`, `100 Continue` included, and takes a server.
        XCTAssertEqual(machine.delayElapsed(now: 300_000_000)?.action,
            .proxy(framing: .contentLength(5), continue100: true, upgrade: false, timer: .arm(.seconds(60))))
        XCTAssertNil(machine.delayElapsed(now: 400_000_000))
        XCTAssertEqual(machine.serverPicked(0), .connect(attempt: 1))
        // The read held during the delay is passed on once the connection is attached.
        XCTAssertEqual(machine.upstreamConnected(attempt: 1, writable: true),
            .sendRequest(body: [], end: false, resumeReads: true))
    }

    func testABodySentWithoutWaitingNeedsNoContinueAfterTheDelay() throws {
        var machine = ProxyStateMachine()
        let post = try received("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        _ = machine.requestHeadReceived(post, policy: policy, route: .proxy(route: 0), now: 0) { .delay(.seconds(1)) }
        XCTAssertEqual(machine.requestBodyReceived(ByteBuffer(string: "abcde")), .hold(bodyTimeout: .seconds(60)))
        XCTAssertEqual(machine.requestEndReceived(), .hold)
        XCTAssertEqual(machine.delayElapsed(now: 1_000_000_000),
            .init(action: .proxy(framing: .contentLength(5), continue100: false, upgrade: false, timer: .disarm),
                resumeReads: false))
    }

    /// A request for a static route's files waits the same way, then is served (and its held read goes on at
    /// once, as no upstream connection will resume it).
    func testADelayedRequestForFilesIsServedWhenTheDelayIsOver() throws {
        var machine = ProxyStateMachine()
        XCTAssertEqual(
            machine.requestHeadReceived(try get(), policy: policy, route: .proxy(route: 0), servesFiles: true, now: 0) {
                .delay(.milliseconds(200))
            },
            .delay(.milliseconds(200), timer: .disarm))
        XCTAssertEqual(machine.requestEndReceived(), .hold)
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: false), .hold)
        XCTAssertEqual(machine.delayElapsed(now: 200_000_000),
            .init(action: .serveFile(close: false, timer: .disarm), resumeReads: true))
        XCTAssertTrue(machine.fileResponseStarted())
        XCTAssertEqual(machine.fileResponseFinished(), .keepOpen(keepaliveTimeout: .seconds(75)))
    }

    func testAClientLeavingDuringTheDelayEndsIt() throws {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(try get(), policy: policy, route: .proxy(route: 0), now: 0) {
            .delay(.seconds(1))
        }
        _ = machine.clientClosed()
        XCTAssertNil(machine.delayElapsed(now: 1_000_000_000))
    }
}
