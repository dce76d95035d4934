import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

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
            .proxy(framing: .none, continue100: false, upgrade: false, timer: .disarm)
        )
        XCTAssertEqual(machine.requestEndReceived(), .hold)
        XCTAssertEqual(machine.attach(), .sendHead(end: true))
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(
            machine.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: true),
            .finish(reuseUpstream: true, keepaliveTimeout: .seconds(75))
        )
        XCTAssertTrue(machine.isIdle)
    }

    /// The request in progress lives beside the state: it must go with it, whichever way the request ends, so an
    /// idle or closing connection keeps no body buffer of its last request.
    func testTheRequestLeavesWithItsState() {
        var finished = ProxyStateMachine()
        _ = finished.requestHeadReceived(head(.POST, [("Content-Length", "4")]), policy: policy, unavailableStatus: nil)
        XCTAssertTrue(finished.isProxying)
        XCTAssertNotNil(finished.current)
        _ = finished.attach()
        _ = finished.requestBodyReceived(bytes(4))
        _ = finished.requestEndReceived()
        _ = finished.responseHeadReceived(status: 200, now: 0)
        _ = finished.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: true)
        XCTAssertTrue(finished.isIdle)
        XCTAssertNil(finished.current, "a kept-alive connection holds nothing of the request it served")

        var failed = ProxyStateMachine()
        _ = failed.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = failed.requestEndReceived()
        XCTAssertEqual(failed.noServerAvailable(), .respond(.serviceUnavailable, close: false, .uncounted))
        XCTAssertNil(failed.current, "a local answer holds no request either")

        var closed = ProxyStateMachine()
        _ = closed.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        XCTAssertEqual(closed.clientClosed(), .abortAttempt)
        XCTAssertNil(closed.current)
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
        XCTAssertEqual(machine.localResponseWritten(), .keepOpen(keepaliveTimeout: .seconds(75)))
        XCTAssertTrue(machine.isIdle)
    }

    func testExpectContinueWithinCapAsksForContinue() {
        var machine = ProxyStateMachine()
        let action = machine.requestHeadReceived(
            head(.POST, [("Content-Length", "10"), ("Expect", "100-continue")]),
            policy: policy,
            unavailableStatus: nil
        )
        XCTAssertEqual(action, .proxy(framing: .contentLength(10), continue100: true, upgrade: false, timer: .arm(.seconds(60))))
    }

    func testChunkedBodyCrossingCapIsRejectedBeforeResponse() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(
            head(.POST, [("Transfer-Encoding", "chunked")]),
            policy: policy,
            unavailableStatus: nil
        )
        _ = machine.attach()
        XCTAssertEqual(machine.requestBodyReceived(bytes(600)), .forward(bodyTimeout: .seconds(60)))
        XCTAssertEqual(machine.requestBodyReceived(bytes(600)), .rejectTooLarge)
    }

    func testChunkedBodyCrossingCapAfterResponseStartAbortsBoth() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(
            head(.POST, [("Transfer-Encoding", "chunked")]),
            policy: policy,
            unavailableStatus: nil
        )
        _ = machine.attach()
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
        XCTAssertEqual(machine.localResponseWritten(), .keepOpen(keepaliveTimeout: .seconds(75)))
        XCTAssertTrue(machine.isIdle)
    }

    func testConnectFailureRetriesThenGivesUp() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        XCTAssertEqual(machine.serverPicked(0), .connect(attempt: 1))
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .retry(.failed(.error), excluding: ServerSet([0])))
        XCTAssertEqual(machine.serverPicked(1), .connect(attempt: 2))
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .retry(.failed(.error), excluding: ServerSet([0, 1])))
        XCTAssertEqual(machine.serverPicked(2), .connect(attempt: 3))
        XCTAssertEqual(
            machine.attemptFailed(.error, now: 0), .respond(.badGateway, close: false, .failed(.error)), "3 tries used")
    }

    func testReadTimeoutIsNotRetried() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.attach()
        XCTAssertEqual(machine.attemptFailed(.readTimeout, now: 0), .respond(.gatewayTimeout, close: false, .failed(.readTimeout)))
    }

    func testPostIsRetriedOnlyWhenNeverSent() {
        var sent = ProxyStateMachine()
        _ = sent.requestHeadReceived(head(.POST, [("Content-Length", "3")]), policy: policy, unavailableStatus: nil)
        _ = sent.attach()
        XCTAssertEqual(sent.attemptFailed(.error, now: 0), .respond(.badGateway, close: true, .failed(.error)))

        var neverSent = ProxyStateMachine()
        _ = neverSent.requestHeadReceived(
            head(.POST, [("Content-Length", "3")]),
            policy: policy,
            unavailableStatus: nil
        )
        _ = neverSent.serverPicked(0)
        XCTAssertEqual(
            neverSent.attemptFailed(.error, now: 0), .retry(.failed(.error), excluding: ServerSet([0])),
            "connect failure: nothing left the balancer")
    }

    func testStaleKeepAliveConnectionIsRetriedForFree() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.attach()
        // Not the server's fault: uncounted, and the same server may be picked again.
        XCTAssertEqual(machine.attemptFailed(.staleConnection, now: 0), .retry(.uncounted, excluding: .empty))
        XCTAssertEqual(machine.attach(), .sendHead(end: true))
    }

    func testFailureAfterResponseStartedClosesClient() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.attach()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .closeClient(.failed(.error)))
    }

    func testLargeBodyIsNotReplayed() {
        var big = policy
        big.maxBodySize = 0
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(.PUT, [("Content-Length", "100000")]), policy: big, unavailableStatus: nil)
        _ = machine.attach()
        XCTAssertEqual(machine.requestBodyReceived(bytes(100_000)), .forward(bodyTimeout: .seconds(60)))
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .respond(.badGateway, close: true, .failed(.error)))
    }

    func testEarlyResponseBeforeBodyEndsClosesClient() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(.POST, [("Content-Length", "10")]), policy: policy, unavailableStatus: nil)
        _ = machine.attach()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(machine.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: true), .finishEarly)
    }

    func testHTTP10WithoutLengthClosesAfterResponse() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.attach()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(
            machine.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: false),
            .finish(reuseUpstream: true, keepaliveTimeout: nil)
        )
    }

    func testMalformedRequestGets400OrClose() {
        var idle = ProxyStateMachine()
        XCTAssertEqual(idle.requestMalformed(status: .badRequest), .respond(.badRequest, close: true, .uncounted))
        var streaming = ProxyStateMachine()
        _ = streaming.requestHeadReceived(head(), policy: policy, unavailableStatus: nil)
        _ = streaming.attach()
        _ = streaming.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(streaming.requestMalformed(status: .badRequest), .closeClient(.uncounted))
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
        _ = machine.attach()
        // Not listed: the upstream's own 503 is relayed and does not count against it.
        XCTAssertEqual(machine.responseHeadReceived(status: 503, now: 0), .relay(.succeeded, clientKeepAlive: true))

        plain.nextUpstream = [.error, .http503]
        var retrying = ProxyStateMachine()
        _ = retrying.requestHeadReceived(head, policy: plain, unavailableStatus: nil)
        _ = retrying.requestEndReceived()
        _ = retrying.attach()
        XCTAssertEqual(retrying.responseHeadReceived(status: 502, now: 0), .relay(.succeeded, clientKeepAlive: true))

        var listed = ProxyStateMachine()
        _ = listed.requestHeadReceived(head, policy: plain, unavailableStatus: nil)
        _ = listed.requestEndReceived()
        _ = listed.attach()
        XCTAssertEqual(
            listed.responseHeadReceived(status: 503, now: 0),
            .retry(.failed(.httpStatus(503)), excluding: ServerSet([0])))
        XCTAssertEqual(listed.attach(server: 1), .sendHead(end: true))
        // Out of tries: the last server's 503 goes to the client, and still counts against that server.
        _ = listed.responseHeadReceived(status: 503, now: 0)
        _ = listed.attach(server: 2)
        XCTAssertEqual(listed.responseHeadReceived(status: 503, now: 0), .relay(.failed(.httpStatus(503)), clientKeepAlive: true))
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
        XCTAssertEqual(machine.attemptFailed(.error, now: 10_500_000_000), .retry(.failed(.error), excluding: .empty))
        XCTAssertEqual(
            machine.attemptFailed(.error, now: 11_000_000_001), .respond(.badGateway, close: false, .failed(.error)))
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
        _ = machine.attach()
        _ = machine.requestBodyReceived(ByteBuffer(string: "partial"))
        if responseStarted { _ = machine.responseHeadReceived(status: 200, now: 0) }
        return machine
    }

    func testIdleConnectionClosesQuietly() {
        var machine = ProxyStateMachine()
        XCTAssertEqual(machine.clientTimedOut(), .close)
    }

    func testStalledBodyGets408() {
        var machine = machineWithBody()
        XCTAssertTrue(machine.awaitsClientBody)
        XCTAssertEqual(machine.clientTimedOut(), .requestTimeout)
        XCTAssertEqual(machine.localResponseWritten(), .closeAfterWrite(lingeringTimeout: .seconds(2)))
    }

    func testStalledBodyAfterTheResponseBeganClosesBoth() {
        var machine = machineWithBody(responseStarted: true)
        XCTAssertEqual(machine.clientTimedOut(), .abortBoth)
    }

    func testHeldReadsRestartTheClientsClock() {
        var machine = machineWithBody()
        _ = machine.upstreamWritabilityChanged(isWritable: false)
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: false), .hold)
        XCTAssertEqual(machine.clientTimedOut(), .rearm(.seconds(60)))
        XCTAssertTrue(machine.awaitsClientBody, "nothing changed")
    }

    /// A GET sent in full to an attached upstream.
    private func machineWithGETSent() -> ProxyStateMachine {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(
            HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Host": "a"]),
            policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.attach()
        return machine
    }

    func testWaitingForTheUpstreamIsNotTheClientsTimeout() {
        var machine = machineWithGETSent()
        XCTAssertFalse(machine.awaitsClientBody)
        XCTAssertEqual(machine.clientTimedOut(), .none)
    }

    func testClientThatDoesNotReadTheResponseIsClosed() {
        var machine = machineWithGETSent()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertTrue(machine.isRelayingResponse)
        XCTAssertEqual(machine.clientTimedOut(), .none)
        XCTAssertEqual(
            machine.clientWritabilityChanged(isWritable: false),
            .init(resumeUpstreamReads: false, timer: .arm(.seconds(60))))
        XCTAssertEqual(machine.clientTimedOut(), .clientTooSlow)
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
        _ = machine.attach()
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
                    machine.attemptFailed(failure, now: 0), .respond(status, close: false, .failed(failure)),
                    "\(method) \(failure)")
            }
        }
    }

    func testSentPutIsRetriedBecauseItIsIdempotent() {
        var machine = sent(.PUT)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .retry(.failed(.error), excluding: ServerSet([0])))
        XCTAssertEqual(
            machine.attach(server: 1),
            .sendRequest(body: [ByteBuffer(string: "abc")], end: true, resumeReads: false),
            "the body goes again, from the one buffer that kept it")
    }

    func testNonIdempotentInNextUpstreamAllowsResendingAPost() {
        var machine = sent(.POST, [.error, .nonIdempotent])
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .retry(.failed(.error), excluding: ServerSet([0])))
    }

    func testPostWhosePartOfTheBodyLeftIsNotRetried() {
        // The head went out with the first body part; the rest had not arrived when the upstream failed.
        var machine = ProxyStateMachine()
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/orders", headers: ["Host": "a", "Content-Length": "6"])
        _ = machine.requestHeadReceived(head, policy: policy([.error]), unavailableStatus: nil)
        _ = machine.attach()
        XCTAssertEqual(machine.requestBodyReceived(ByteBuffer(string: "abc")), .forward(bodyTimeout: .seconds(60)))
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .respond(.badGateway, close: true, .failed(.error)))
    }
}
