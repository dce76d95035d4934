import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The client side's flow control, timers and races, without sockets: which reads are held and resumed, which
/// timer runs when, how late connect completions are told apart, the tunnel, the lingering close and the drain.
final class ProxyStateMachineFlowTests: XCTestCase {
    private let policy = ProxyStateMachine.Policy(maxBodySize: 0, tries: 3, nextUpstream: [.error, .timeout])

    private func post(length: Int) -> HTTPRequestHead {
        HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/u", headers: ["Host": "a", "Content-Length": "\(length)"])
    }

    private let get = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Host": "a"])

    // MARK: - Reads and backpressure

    func testReadsAreHeldWhileTheUpstreamCannotTakeMoreAndResumedOnce() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(post(length: 100_000), policy: policy, unavailableStatus: nil)
        machine.attach()
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: false), .read)
        XCTAssertEqual(machine.upstreamWritabilityChanged(isWritable: false), .none)
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: false), .hold)
        XCTAssertEqual(machine.upstreamWritabilityChanged(isWritable: true), .resumeReads)
        XCTAssertEqual(machine.upstreamWritabilityChanged(isWritable: true), .none, "one held read, one resume")
    }

    func testReadsAreHeldWhileConnectingOnceABufferfulWaits() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(post(length: 200_000), policy: policy, unavailableStatus: nil)
        guard case .connect(let id) = machine.serverPicked(0) else { return XCTFail("no attempt started") }
        let limit = RequestBodyBuffer.defaultLimit
        XCTAssertEqual(machine.requestBodyReceived(ByteBuffer(repeating: 1, count: limit - 1)), .hold(bodyTimeout: .seconds(60)))
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: false), .read)
        _ = machine.requestBodyReceived(ByteBuffer(repeating: 1, count: 1))
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: false), .hold)
        guard case .sendRequest(let body, false, true) = machine.upstreamConnected(attempt: id, writable: true) else {
            return XCTFail("the held body goes out and reads resume")
        }
        XCTAssertEqual(body.reduce(0) { $0 + $1.readableBytes }, limit)
    }

    func testAnUnwritableFreshConnectionDoesNotResumeReads() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(post(length: 200_000), policy: policy, unavailableStatus: nil)
        guard case .connect(let id) = machine.serverPicked(0) else { return XCTFail("no attempt started") }
        _ = machine.requestBodyReceived(ByteBuffer(repeating: 1, count: RequestBodyBuffer.defaultLimit))
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: false), .hold)
        guard case .sendRequest(_, _, false) = machine.upstreamConnected(attempt: id, writable: false) else {
            return XCTFail("reads stay held")
        }
        XCTAssertEqual(machine.upstreamWritabilityChanged(isWritable: true), .resumeReads)
    }

    func testPipelinedBacklogHoldsReadsUntilTheNextRequest() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        machine.attach()
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: true), .hold)
        XCTAssertEqual(machine.readyForNextRequest(), .none, "the response is still in progress")
        _ = machine.responseHeadReceived(status: 200, now: 0)
        _ = machine.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: true)
        XCTAssertEqual(machine.readyForNextRequest(), .resumeReads)
    }

    // MARK: - Timers

    func testEachPhaseArmsItsOwnTimeout() {
        var timeouts = ProxyStateMachine.Timeouts()
        (timeouts.header, timeouts.keepalive, timeouts.body) = (.seconds(1), .seconds(2), .seconds(3))
        (timeouts.send, timeouts.tunnelIdle, timeouts.lingering) = (.seconds(4), .seconds(5), .seconds(6))
        var policy = self.policy
        policy.timeouts = timeouts
        var machine = ProxyStateMachine(timeouts: timeouts)
        XCTAssertEqual(machine.connectionActive(), .arm(.seconds(1)), "client_header_timeout")
        XCTAssertEqual(
            machine.requestHeadReceived(post(length: 4), policy: policy, unavailableStatus: nil),
            .proxy(framing: .contentLength(4), continue100: false, upgrade: false, timer: .arm(.seconds(3))), "client_body_timeout")
        machine.attach()
        XCTAssertEqual(machine.requestBodyReceived(ByteBuffer(string: "ab")), .forward(bodyTimeout: .seconds(3)))
        _ = machine.requestBodyReceived(ByteBuffer(string: "cd"))
        XCTAssertEqual(machine.requestEndReceived(), .forward)
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(machine.clientWritabilityChanged(isWritable: false).timer, .arm(.seconds(4)), "send_timeout")
        XCTAssertEqual(machine.clientWritabilityChanged(isWritable: true).timer, .disarm)
        XCTAssertEqual(
            machine.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: true),
            .finish(reuseUpstream: true, keepaliveTimeout: .seconds(2)), "keepalive_timeout")
    }

    func testWritabilityWhileTheBodyStillArrivesKeepsTheBodyTimer() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(post(length: 10), policy: policy, unavailableStatus: nil)
        machine.attach()
        _ = machine.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(machine.clientWritabilityChanged(isWritable: true), .init(resumeUpstreamReads: true, timer: .keep))
    }

    // MARK: - Attempts

    func testALateConnectCompletionIsDeclined() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        guard case .connect(let first) = machine.serverPicked(0) else { return XCTFail("no attempt started") }
        // connect_timeout fired first: the attempt is retried on another server.
        XCTAssertEqual(
            machine.connectFailed(attempt: first, .connectTimeout, now: 0),
            .retry(.failed(.connectTimeout), excluding: ServerSet([0])))
        guard case .connect(let second) = machine.serverPicked(1) else { return XCTFail("no retry started") }
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(machine.upstreamConnected(attempt: first, writable: true), .decline)
        XCTAssertEqual(machine.connectFailed(attempt: first, .error, now: 0), .none, "a stale failure counts for nothing")
        XCTAssertEqual(machine.upstreamConnected(attempt: second, writable: true), .sendHead(end: true))
    }

    func testAConnectionForAClientThatLeftIsDeclined() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        guard case .connect(let id) = machine.serverPicked(0) else { return XCTFail("no attempt started") }
        XCTAssertEqual(machine.clientClosed(), .abortAttempt)
        XCTAssertEqual(machine.upstreamConnected(attempt: id, writable: true), .decline)
        XCTAssertEqual(machine.connectFailed(attempt: id, .error, now: 0), .none)
    }

    func testNoServerLeftAfterARetryIs502AndBeforeAnyIs503() {
        var first = ProxyStateMachine()
        _ = first.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        _ = first.requestEndReceived()
        XCTAssertEqual(first.noServerAvailable(), .respond(.serviceUnavailable, close: false, .uncounted))

        var retried = ProxyStateMachine()
        _ = retried.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        _ = retried.requestEndReceived()
        _ = retried.serverPicked(0)
        _ = retried.attemptFailed(.error, now: 0)
        XCTAssertEqual(retried.noServerAvailable(), .respond(.badGateway, close: false, .uncounted))
    }

    func testASuccessfulAnswerCountsForTheServer() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        machine.attach()
        XCTAssertEqual(machine.responseHeadReceived(status: 500, now: 0), .relay(.succeeded, clientKeepAlive: true), "a 500 is an answer")
    }

    // MARK: - Tunnel

    func testUpgradeOpensATunnelThatTimesOutWhenQuiet() {
        var machine = ProxyStateMachine()
        let upgrade = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: "/ws",
            headers: [
                "Host": "a", "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            ])
        _ = machine.requestHeadReceived(upgrade, policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        machine.attach()
        XCTAssertEqual(machine.responseHeadReceived(status: 101, now: 0), .openTunnel(idleTimeout: .seconds(3600)))
        XCTAssertEqual(machine.requestLogged(), .keep, "a tunnel counts against connection limits until it closes")
        XCTAssertEqual(machine.clientBytesReceived(), .relayToUpstream(idleTimeout: .seconds(3600)))
        XCTAssertEqual(machine.tunnelDataReceived(), .arm(.seconds(3600)))
        XCTAssertEqual(machine.upstreamWritabilityChanged(isWritable: false), .none)
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: false), .hold)
        XCTAssertEqual(machine.upstreamWritabilityChanged(isWritable: true), .resumeReads)
        XCTAssertEqual(machine.clientTimedOut(), .close)
    }

    func testAnUpstreamEndingTheTunnelIsNotAFailure() {
        var machine = ProxyStateMachine()
        let upgrade = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: "/ws",
            headers: ["Host": "a", "Connection": "Upgrade", "Upgrade": "websocket"])
        _ = machine.requestHeadReceived(upgrade, policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        machine.attach()
        _ = machine.responseHeadReceived(status: 101, now: 0)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .endTunnel)
    }

    func testA101NobodyAskedForIsRejected() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        machine.attach()
        XCTAssertEqual(machine.responseHeadReceived(status: 101, now: 0), .reject)
    }

    // MARK: - Lingering close and drain

    func testAClosingLocalResponseLingersThenCloses() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(post(length: 10), policy: policy, unavailableStatus: .notFound)
        XCTAssertEqual(machine.localResponseWritten(), .closeAfterWrite(lingeringTimeout: .seconds(2)))
        XCTAssertEqual(machine.clientBytesReceived(), .discard, "what the client still sends is dropped unread")
        XCTAssertEqual(machine.readRequested(pipelineBacklogFull: true), .read, "and read on, so it drains")
        XCTAssertEqual(machine.clientTimedOut(), .close)
    }

    func testDrainClosesAnIdleConnectionAndEndsTheNextResponseWithClose() {
        var idle = ProxyStateMachine()
        XCTAssertEqual(idle.drainingStarted(), .close)

        var busy = ProxyStateMachine()
        _ = busy.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        _ = busy.requestEndReceived()
        busy.attach()
        XCTAssertEqual(busy.drainingStarted(), .none)
        XCTAssertFalse(busy.clientKeepAlive, "the response head says Connection: close")
        _ = busy.responseHeadReceived(status: 200, now: 0)
        XCTAssertEqual(
            busy.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: true),
            .finish(reuseUpstream: true, keepaliveTimeout: nil))
    }

    func testADrainingLocalResponseCloses() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        _ = machine.drainingStarted()
        XCTAssertEqual(machine.noServerAvailable(), .respond(.serviceUnavailable, close: true, .uncounted))
        XCTAssertEqual(machine.localResponseWritten(), .closeAfterWrite(lingeringTimeout: .seconds(2)))
    }

    // MARK: - Close races

    func testEventsAfterTheClientClosedDoNothing() {
        var machine = ProxyStateMachine()
        _ = machine.requestHeadReceived(get, policy: policy, unavailableStatus: nil)
        _ = machine.requestEndReceived()
        machine.attach()
        XCTAssertEqual(machine.clientClosed(), .abortAttempt)
        XCTAssertEqual(machine.attemptFailed(.error, now: 0), .none)
        XCTAssertEqual(machine.responseHeadReceived(status: 200, now: 0), .relay(.uncounted, clientKeepAlive: false))
        XCTAssertEqual(machine.responseEndReceived(upstreamKeepAlive: true, clientCanKeepAlive: true), .none)
        XCTAssertEqual(machine.requestBodyReceived(ByteBuffer(string: "x")), .discard)
        XCTAssertEqual(machine.clientTimedOut(), .none)
        XCTAssertEqual(machine.clientClosed(), .none)
    }
}
