import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer

/// The client connection's decisions without NIO channels: body cap, retries, keep-alive, errors.
final class ProxyStateMachineTests: XCTestCase {
    private let policy = ProxyStateMachine.Policy(
        maxBodySize: 1000,
        tries: 3,
        nextUpstream: [.error, .timeout]
    )

    private func head(_ method: HTTPMethod = .GET, _ headers: [(String, String)] = []) -> HTTPRequestHead {
        HTTPRequestHead(
            version: .http1_1,
            method: method,
            uri: "/api/x",
            headers: HTTPHeaders([("Host", "example")] + headers)
        )
    }

    private func bytes(_ n: Int) -> ByteBuffer { ByteBuffer(repeating: 0x61, count: n) }

    func testSimpleGetKeepsConnection() {
        var machine = ProxyStateMachine()
        XCTAssertEqual(
            machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil),
            .proxy(framing: .none, continue100: false)
        )
        XCTAssertEqual(machine.requestEndReceived(), .hold)
        XCTAssertEqual(machine.upstreamAttached(), .sendRequest(fromReplay: false, end: true))
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(
            machine.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: true),
            .finish(reuseUpstream: true, closeClient: false)
        )
        XCTAssertTrue(machine.isIdle)
    }

    func testContentLengthAboveCapIsRefusedBeforeAnyByte() {
        var machine = ProxyStateMachine()
        let action = machine.requestHeadReceived(
            head(.POST, [("Content-Length", "1001")]),
            policy: policy,
            unavailableStatus: nil
        )
        XCTAssertEqual(action, .respond(.payloadTooLarge, close: true))
        XCTAssertEqual(machine.requestBodyReceived(bytes(10)), .discard)
    }

    func testExpectContinueAboveCapKeepsConnection() {
        var machine = ProxyStateMachine()
        let action = machine.requestHeadReceived(
            head(.POST, [("Content-Length", "5000"), ("Expect", "100-continue")]),
            policy: policy,
            unavailableStatus: nil
        )
        XCTAssertEqual(action, .respond(.payloadTooLarge, close: false))
        XCTAssertEqual(machine.localResponseWritten(), .finishLocal(close: false))
        XCTAssertTrue(machine.isIdle)
    }

    func testExpectContinueWithinCapAsksForContinue() {
        var machine = ProxyStateMachine()
        let action = machine.requestHeadReceived(
            head(.POST, [("Content-Length", "10"), ("Expect", "100-continue")]),
            policy: policy,
            unavailableStatus: nil
        )
        XCTAssertEqual(action, .proxy(framing: .contentLength(10), continue100: true))
    }

    func testChunkedBodyCrossingCapIsRejectedBeforeResponse() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(
            head(.POST, [("Transfer-Encoding", "chunked")]),
            policy: policy,
            unavailableStatus: nil
        )
        _ = machine.upstreamAttached()
        XCTAssertEqual(machine.requestBodyReceived(bytes(600)), .forward)
        XCTAssertEqual(machine.requestBodyReceived(bytes(600)), .rejectTooLarge)
    }

    func testChunkedBodyCrossingCapAfterResponseStartAbortsBoth() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(
            head(.POST, [("Transfer-Encoding", "chunked")]),
            policy: policy,
            unavailableStatus: nil
        )
        _ = machine.upstreamAttached()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(machine.requestBodyReceived(bytes(1200)), .abortBoth)
    }

    func testSmugglingShapesAreRefused() {
        let cases: [[(String, String)]] = [
            [("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
            [("Content-Length", "5"), ("Content-Length", "6")],
            [("Content-Length", "5, 6")],
            [("Content-Length", "-1")],
            [("Content-Length", "0x10")],
        ]
        for headers in cases {
            var machine = ProxyStateMachine()
            let action = machine.requestHeadReceived(head(.POST, headers), policy: policy, unavailableStatus: nil)
            XCTAssertEqual(action, .respond(.badRequest, close: true), "\(headers)")
        }
        // A transfer coding the balancer cannot re-frame is 501 (RFC 9112 §6.1), and the connection closes.
        for headers in [[("Transfer-Encoding", "chunked, gzip")], [("Transfer-Encoding", "gzip")]] {
            var machine = ProxyStateMachine()
            let action = machine.requestHeadReceived(head(.POST, headers), policy: policy, unavailableStatus: nil)
            XCTAssertEqual(action, .respond(.notImplemented, close: true), "\(headers)")
        }
        // Even identical copies are refused, as nginx does: a second `Content-Length` line is never needed, and
        // an upstream that reads only one of them must not be handed the choice.
        for headers in [[("Content-Length", "5"), ("Content-Length", "5")], [("Content-Length", "5, 5")]] {
            var machine = ProxyStateMachine()
            let same = machine.requestHeadReceived(head(.POST, headers), policy: policy, unavailableStatus: nil)
            XCTAssertEqual(same, .respond(.badRequest, close: true), "\(headers)")
        }
    }

    func testMissingHostOnHTTP11IsRefused() {
        var machine = ProxyStateMachine()
        let noHost = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
        XCTAssertEqual(
            machine.requestHeadReceived(noHost, policy: policy, unavailableStatus: nil),
            .respond(.badRequest, close: true)
        )
    }

    func testUnavailableRouteAnswersWithoutUpstream() {
        var machine = ProxyStateMachine()
        XCTAssertEqual(
            machine.requestHeadReceived(head(), policy: policy, unavailableStatus: .notFound),
            .respond(.notFound, close: false)
        )
        XCTAssertEqual(machine.localResponseWritten(), .finishLocal(close: false))
        XCTAssertTrue(machine.isIdle)
    }

    func testConnectFailureRetriesThenGivesUp() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .retry)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .retry)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .respond(.badGateway, close: false), "3 tries used")
    }

    func testReadTimeoutIsNotRetried() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.upstreamAttached()
        XCTAssertEqual(machine.attemptFailed(.readTimeout, now: 0), .respond(.gatewayTimeout, close: false))
    }

    func testPostIsRetriedOnlyWhenNeverSent() {
        var sent = ProxyStateMachine()
        _ = sent.requestHeadReceived(head(.POST, [("Content-Length", "3")]), policy: policy, unavailableStatus: nil)
        _ = sent.upstreamAttached()
        XCTAssertEqual(sent.attemptFailed(.error, now: 0), .respond(.badGateway, close: true))

        var neverSent = ProxyStateMachine()
        _ = neverSent.requestHeadReceived(
            head(.POST, [("Content-Length", "3")]),
            policy: policy,
            unavailableStatus: nil
        )
        XCTAssertEqual(neverSent.attemptFailed(.error, now: 0), .retry, "connect failure: nothing left the balancer")
    }

    func testStaleKeepAliveConnectionIsRetriedForFree() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.upstreamAttached()
        XCTAssertEqual(machine.attemptFailed(.staleConnection, now: 0), .retry)
        XCTAssertEqual(machine.upstreamAttached(), .sendRequest(fromReplay: true, end: true))
    }

    func testFailureAfterResponseStartedClosesClient() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.upstreamAttached()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .closeClient)
    }

    func testLargeBodyIsNotReplayed() {
        var big = policy
        big.maxBodySize = 0
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(.PUT, [("Content-Length", "100000")]), policy: big, unavailableStatus: nil)
        _ = machine.upstreamAttached()
        XCTAssertEqual(machine.requestBodyReceived(bytes(100_000)), .forward)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .respond(.badGateway, close: true))
    }

    func testEarlyResponseBeforeBodyEndsClosesClient() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(.POST, [("Content-Length", "10")]), policy: policy, unavailableStatus: nil)
        _ = machine.upstreamAttached()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(machine.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: true), .finishEarly)
    }

    func testHTTP10WithoutLengthClosesAfterResponse() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.upstreamAttached()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(
            machine.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: false),
            .finish(reuseUpstream: true, closeClient: true)
        )
    }

    func testMalformedRequestGets400OrClose() {
        var idle = ProxyStateMachine()
        XCTAssertEqual(idle.requestMalformed(status: .badRequest), .respond(.badRequest, close: true))
        var streaming = ProxyStateMachine()
        _ = streaming.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = streaming.upstreamAttached()
        _ = streaming.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(streaming.requestMalformed(status: .badRequest), .closeClient)
    }
}

/// `proxy_next_upstream http_503` and friends.
final class ProxyStateMachineStatusRetryTests: XCTestCase {
    func testUpstream503IsRetriedOnlyWhenConfigured() {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Host": "a"])
        var plain = ProxyStateMachine.Policy(maxBodySize: 0, tries: 3, nextUpstream: [.error])
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head, policy: plain, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.upstreamAttached()
        // Not listed: the upstream's own 503 is relayed and does not count against it.
        XCTAssertEqual(machine.responseHeadReceived(status: 503, now: 0), .relay(countAsFailure: false))

        plain.nextUpstream = [.error, .http503]
        var retrying = ProxyStateMachine()
        _ = retrying.requestHeadReceived(head, policy: plain, unavailableStatus: nil)
        _ = retrying.requestEndReceived()
        _ = retrying.upstreamAttached()
        XCTAssertEqual(retrying.responseHeadReceived(status: 502, now: 0), .relay(countAsFailure: false))

        var listed = ProxyStateMachine()
        _ = listed.requestHeadReceived(head, policy: plain, unavailableStatus: nil)
        _ = listed.requestEndReceived()
        _ = listed.upstreamAttached()
        XCTAssertEqual(listed.responseHeadReceived(status: 503, now: 0), .retry)
        XCTAssertEqual(listed.upstreamAttached(), .sendRequest(fromReplay: true, end: true))
        // Out of tries: the last server's 503 goes to the client, and still counts against that server.
        _ = listed.responseHeadReceived(status: 503, now: 0)
        _ = listed.upstreamAttached()
        XCTAssertEqual(listed.responseHeadReceived(status: 503, now: 0), .relay(countAsFailure: true))
    }
}

/// `proxy.next_upstream_timeout`: retries stop once the request is older than the limit.
final class ProxyStateMachineRetryTimeoutTests: XCTestCase {
    func testRetriesStopAfterNextUpstreamTimeout() {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Host": "a"])
        let policy = ProxyStateMachine.Policy(
            maxBodySize: 0,
            tries: 5,
            nextUpstream: [.error],
            nextUpstreamTimeout: 1_000_000_000
        )
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head, policy: policy, unavailableStatus: nil, now: 10_000_000_000)
        _ = machine.requestEndReceived()
        XCTAssertEqual(machine.attemptFailed(.error, now: 10_500_000_000), .retry)
        XCTAssertEqual(machine.attemptFailed(.error, now: 11_000_000_001), .respond(.badGateway, close: false))
    }
}

/// The client connection's timer, whatever it was armed for: only the client's own slowness is answered, and no
/// expiry ever becomes a server's failure (the actions below never include a failed attempt).
final class ProxyStateMachineClientTimeoutTests: XCTestCase {
    private let policy = ProxyStateMachine.Policy(maxBodySize: 0, tries: 3, nextUpstream: [.error])

    private func machineWithBody(responseStarted: Bool = false) -> ProxyStateMachine {
        var machine = ProxyStateMachine()
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/u", headers: ["Host": "a", "Content-Length": "100"])
        _ = machine.requestHeadReceived(head, policy: policy, unavailableStatus: nil)
        _ = machine.upstreamAttached()
        _ = machine.requestBodyReceived(ByteBuffer(string: "partial"))
        if responseStarted { _ = machine.responseHeadReceived(status: 200, now: 0) }
        return machine
    }

    func testIdleConnectionClosesQuietly() {
        var machine = ProxyStateMachine()
        XCTAssertEqual(machine.clientTimedOut(readsHeld: false, clientWritable: true), .close)
    }

    func testStalledBodyGets408() {
        var machine = machineWithBody()
        XCTAssertTrue(machine.awaitsClientBody)
        XCTAssertEqual(machine.clientTimedOut(readsHeld: false, clientWritable: true), .requestTimeout)
        XCTAssertEqual(machine.localResponseWritten(), .finishLocal(close: true))
    }

    func testStalledBodyAfterTheResponseBeganClosesBoth() {
        var machine = machineWithBody(responseStarted: true)
        XCTAssertEqual(machine.clientTimedOut(readsHeld: false, clientWritable: true), .abortBoth)
    }

    func testHeldReadsRestartTheClientsClock() {
        var machine = machineWithBody()
        XCTAssertEqual(machine.clientTimedOut(readsHeld: true, clientWritable: true), .rearm)
        XCTAssertTrue(machine.awaitsClientBody, "nothing changed")
    }

    /// A GET sent in full to an attached upstream.
    private func machineWithGETSent() -> ProxyStateMachine {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(
            HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Host": "a"]),
            policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.upstreamAttached()
        return machine
    }

    func testWaitingForTheUpstreamIsNotTheClientsTimeout() {
        var machine = machineWithGETSent()
        XCTAssertFalse(machine.awaitsClientBody)
        XCTAssertEqual(machine.clientTimedOut(readsHeld: false, clientWritable: true), .none)
    }

    func testClientThatDoesNotReadTheResponseIsClosed() {
        var machine = machineWithGETSent()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertTrue(machine.isRelayingResponse)
        XCTAssertEqual(machine.clientTimedOut(readsHeld: false, clientWritable: true), .none)
        XCTAssertEqual(machine.clientTimedOut(readsHeld: false, clientWritable: false), .clientTooSlow)
    }
}

/// A request that is not idempotent is never sent twice: once any of it went to an upstream, a failure is answered
/// 502/504 rather than retried, whatever the failure — unless `non_idempotent` allows it, as in nginx. The same
/// rule the failover tests check over sockets, here without them.
final class ProxyStateMachineNonIdempotentRetryTests: XCTestCase {
    private func policy(_ nextUpstream: Set<NextUpstreamCondition>) -> ProxyStateMachine.Policy {
        ProxyStateMachine.Policy(maxBodySize: 0, tries: 3, nextUpstream: nextUpstream)
    }

    /// `method` with a three-byte body, sent in full to an attached upstream.
    private func sent(
        _ method: HTTPMethod, _ nextUpstream: Set<NextUpstreamCondition> = [.error, .timeout]
    ) -> ProxyStateMachine {
        var machine = ProxyStateMachine()
        let head = HTTPRequestHead(
            version: .http1_1, method: method, uri: "/orders", headers: ["Host": "a", "Content-Length": "3"])
        _ = machine.requestHeadReceived(head, policy: policy(nextUpstream), unavailableStatus: nil)
        _ = machine.upstreamAttached()
        _ = machine.requestBodyReceived(ByteBuffer(string: "abc"))
        _ = machine.requestEndReceived()
        return machine
    }

    func testSentPostOrPatchIsNotRetriedOnAnyFailure() {
        let failures: [(ProxyStateMachine.AttemptFailure, HTTPResponseStatus)] = [
            (.error, .badGateway), (.sendTimeout, .gatewayTimeout), (.readTimeout, .gatewayTimeout),
        ]
        for method in [HTTPMethod.POST, .PATCH] {
            for (failure, status) in failures {
                var machine = sent(method)
                XCTAssertEqual(
                    machine.attemptFailed(failure, now: 0), .respond(status, close: false), "\(method) \(failure)")
            }
        }
    }

    func testSentPutIsRetriedBecauseItIsIdempotent() {
        var machine = sent(.PUT)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .retry)
        XCTAssertEqual(machine.upstreamAttached(), .sendRequest(fromReplay: true, end: true))
    }

    func testNonIdempotentInNextUpstreamAllowsResendingAPost() {
        var machine = sent(.POST, [.error, .nonIdempotent])
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .retry)
    }

    func testPostWhosePartOfTheBodyLeftIsNotRetried() {
        // The head went out with the first body part; the rest had not arrived when the upstream failed.
        var machine = ProxyStateMachine()
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/orders", headers: ["Host": "a", "Content-Length": "6"])
        _ = machine.requestHeadReceived(head, policy: policy([.error]), unavailableStatus: nil)
        _ = machine.upstreamAttached()
        XCTAssertEqual(machine.requestBodyReceived(ByteBuffer(string: "abc")), .forward)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .respond(.badGateway, close: true))
    }
}
