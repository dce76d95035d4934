import XCTest

@testable import Balancer
@testable import BalancerCore

/// Every event of one upstream connection without a socket: exchanges and reuse, when `read_timeout` runs,
/// backpressure from a slow client, `send_timeout`, tunnels, and what a close means at each point.
final class UpstreamConnectionStateMachineTests: XCTestCase {
    private typealias Machine = UpstreamConnectionStateMachine

    /// A machine whose request was written in full.
    private func sent() -> Machine {
        var machine = Machine()
        _ = machine.exchangeStarted(clientWritable: true)
        _ = machine.requestSent()
        return machine
    }

    func testReadTimeoutStartsOnlyOnceTheRequestIsSent() {
        var machine = Machine()
        XCTAssertEqual(machine.exchangeStarted(clientWritable: true), .start(resumeRead: false))
        XCTAssertEqual(machine.readTimerExpired(), .none, "a slow upload is never the server's timeout")
        XCTAssertEqual(machine.bytesReceived(), .decode(rearmReadTimer: false))
        XCTAssertEqual(machine.requestSent(), .armReadTimer)
        XCTAssertEqual(machine.bytesReceived(), .decode(rearmReadTimer: true))
        XCTAssertEqual(machine.readTimerExpired(), .fail(.readTimeout))
        XCTAssertEqual(machine.state, .closed)
    }

    func testCompleteExchangeMakesTheConnectionReusable() {
        var machine = sent()
        machine.responseHeadReceived()
        XCTAssertEqual(machine.state, .streaming)
        XCTAssertTrue(machine.responseEnded(upstreamKeepAlive: true, leftoverBytes: 0))
        machine.exchangeEnded()
        XCTAssertEqual(machine.state, .idle)
        XCTAssertEqual(machine.completedExchanges, 1)
        XCTAssertEqual(machine.readTimerExpired(), .none, "an idle connection has no read timeout")
    }

    func testBytesBeyondAResponseOrConnectionCloseForbidReuse() {
        var extra = sent()
        extra.responseHeadReceived()
        XCTAssertFalse(extra.responseEnded(upstreamKeepAlive: true, leftoverBytes: 5))
        XCTAssertEqual(extra.state, .closed)
        var close = sent()
        close.responseHeadReceived()
        XCTAssertFalse(close.responseEnded(upstreamKeepAlive: false, leftoverBytes: 0))
    }

    func testBytesOnAnIdleConnectionCloseIt() {
        var machine = Machine()
        XCTAssertEqual(machine.bytesReceived(), .close)
        XCTAssertEqual(machine.state, .closed)
    }

    func testEarlyResponseWhileSending() {
        var machine = Machine()
        _ = machine.exchangeStarted(clientWritable: true)
        machine.responseHeadReceived()
        XCTAssertTrue(machine.responseHeadArrived)
        XCTAssertEqual(machine.requestSent(), .armReadTimer)
        XCTAssertEqual(machine.state, .streaming)
    }

    func testSlowClientHoldsReadsAndStopsTheReadTimeout() {
        var machine = sent()
        XCTAssertEqual(machine.readRequested(clientWritable: false), .hold)
        XCTAssertTrue(machine.readsHeld)
        XCTAssertEqual(machine.readTimerExpired(), .none, "waiting on the client is not the server's timeout")
        XCTAssertEqual(machine.clientBecameWritable(), .read(armReadTimer: true))
        XCTAssertEqual(machine.clientBecameWritable(), .none)
        XCTAssertEqual(machine.readRequested(clientWritable: true), .read)
    }

    func testHeldReadOnAPooledConnectionResumesWithTheNextExchange() {
        var machine = sent()
        _ = machine.readRequested(clientWritable: false)
        _ = machine.responseEnded(upstreamKeepAlive: true, leftoverBytes: 0)
        machine.exchangeEnded()
        XCTAssertEqual(machine.exchangeStarted(clientWritable: true), .start(resumeRead: true))
        XCTAssertFalse(machine.readsHeld)
    }

    func testSendTimeoutOnlyWhileTheUpstreamTakesNothing() {
        var machine = Machine()
        XCTAssertEqual(machine.writabilityChanged(isWritable: false), .disarmSendTimer, "idle: nothing to send")
        _ = machine.exchangeStarted(clientWritable: true)
        XCTAssertEqual(machine.writabilityChanged(isWritable: false), .armSendTimer)
        XCTAssertEqual(machine.sendTimerExpired(isWritable: true), .none, "it drained in the meantime")
        XCTAssertEqual(machine.sendTimerExpired(isWritable: false), .fail(.sendTimeout))
    }

    func testTunnelHasNoReadTimeoutAndRelaysBytes() {
        var machine = sent()
        machine.responseHeadReceived()
        XCTAssertEqual(machine.tunnelStarted(), .disarmReadTimer)
        XCTAssertEqual(machine.bytesReceived(), .relayTunnel)
        XCTAssertEqual(machine.readTimerExpired(), .none)
        XCTAssertEqual(machine.channelInactive(), .fail(.error), "the client's side closes with it")
    }

    func testCloseMeaningsAtEachPoint() {
        var idle = Machine()
        XCTAssertEqual(idle.channelInactive(), .leavePool)

        var beforeAnswer = sent()
        XCTAssertEqual(beforeAnswer.channelInactive(), .fail(.error))

        var midBody = sent()
        midBody.responseHeadReceived()
        XCTAssertEqual(midBody.channelInactive(), .finishBodyThenFail(.error))

        // Reused from the pool and closed before any answer: the upstream had closed it while idle.
        var stale = sent()
        _ = stale.responseEnded(upstreamKeepAlive: true, leftoverBytes: 0)
        stale.exchangeEnded()
        _ = stale.exchangeStarted(clientWritable: true)
        XCTAssertEqual(stale.channelInactive(), .fail(.staleConnection))

        var aborted = sent()
        aborted.aborted()
        XCTAssertEqual(aborted.channelInactive(), .leavePool)
    }

    func testUnreadableResponseFailsOnlyDuringAnExchange() {
        var machine = sent()
        XCTAssertEqual(machine.responseUnreadable(), .fail(.error))
        var idle = Machine()
        XCTAssertEqual(idle.responseUnreadable(), .none)
    }
}
