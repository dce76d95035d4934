import NIOCore
import NIOHTTP1
import XCTest

@testable import BalancerCore

/// A static route's requests through the connection's state machine: 405, keep-alive, close, timers.
final class ProxyStateMachineFilesTests: XCTestCase {
    private let policy = ProxyStateMachine.Policy(maxBodySize: 1 << 20, tries: 1, nextUpstream: [])

    private func head(_ method: HTTPMethod = .GET, _ headers: [(String, String)] = []) -> HTTPRequestHead {
        HTTPRequestHead(
            version: .http1_1, method: method, uri: "/", headers: HTTPHeaders([("Host", "x")] + headers))
    }

    private func receive(_ machine: inout ProxyStateMachine, _ head: HTTPRequestHead) -> ProxyStateMachine.HeadAction {
        guard let decoded = try? RequestHeadFixture.decode(head) else {
            XCTFail("head does not parse")
            return .respond(.badRequest, close: true)
        }
        return machine.requestHeadReceived(decoded, policy: policy, unavailableStatus: nil, servesFiles: true, now: 0)
    }

    func testGetIsServedAndTheConnectionStays() {
        var machine = ProxyStateMachine()
        XCTAssertEqual(receive(&machine, head()), .serveFile(close: false, timer: .disarm))
        XCTAssertEqual(machine.requestEndReceived(), .none)
        XCTAssertTrue(machine.fileResponseStarted(), "keep-alive")
        XCTAssertTrue(machine.isRelayingResponse, "send_timeout applies while the file goes out")
        XCTAssertEqual(machine.clientWritabilityChanged(isWritable: false).timer, .arm(.seconds(60)))
        XCTAssertEqual(machine.clientWritabilityChanged(isWritable: true).timer, .disarm)
        XCTAssertEqual(machine.fileResponseFinished(), .keepOpen(keepaliveTimeout: .seconds(75)))
        XCTAssertTrue(machine.isIdle)
        XCTAssertEqual(machine.readyForNextRequest(), .none)
    }

    func testOtherMethodsGet405() {
        for method in [HTTPMethod.POST, .PUT, .DELETE, .OPTIONS, .PATCH] {
            var machine = ProxyStateMachine()
            XCTAssertEqual(receive(&machine, head(method)), .respond(.methodNotAllowed, close: false), "\(method)")
        }
        var withBody = ProxyStateMachine()
        XCTAssertEqual(receive(&withBody, head(.POST, [("Content-Length", "5")])),
            .respond(.methodNotAllowed, close: true), "a body it will not read closes the connection")
    }

    func testConnectionCloseAndDrain() {
        var closing = ProxyStateMachine()
        XCTAssertEqual(receive(&closing, head(.GET, [("Connection", "close")])), .serveFile(close: true, timer: .disarm))
        _ = closing.requestEndReceived()
        XCTAssertFalse(closing.fileResponseStarted())
        XCTAssertEqual(closing.fileResponseFinished(), .closeAfterWrite(lingeringTimeout: .seconds(2)))

        var draining = ProxyStateMachine()
        _ = receive(&draining, head())
        _ = draining.requestEndReceived()
        XCTAssertEqual(draining.drainingStarted(), .none, "mid-request: closes after the response")
        XCTAssertFalse(draining.fileResponseStarted())
        XCTAssertEqual(draining.fileResponseFinished(), .closeAfterWrite(lingeringTimeout: .seconds(2)))
    }

    func testABodyIsDroppedAndTheConnectionClosesAfter() {
        var machine = ProxyStateMachine()
        XCTAssertEqual(receive(&machine, head(.GET, [("Content-Length", "3")])),
            .serveFile(close: false, timer: .arm(.seconds(60))))
        XCTAssertEqual(machine.requestBodyReceived(ByteBuffer(string: "abc")), .discard)
        XCTAssertTrue(machine.fileResponseStarted())
        XCTAssertEqual(machine.fileResponseFinished(), .closeAfterWrite(lingeringTimeout: .seconds(2)),
            "the body had not ended")
    }

    func testSlowReaderTimesOut() {
        var machine = ProxyStateMachine()
        _ = receive(&machine, head())
        _ = machine.requestEndReceived()
        XCTAssertEqual(machine.clientTimedOut(), .none, "resolving: nothing to time yet")
        _ = machine.fileResponseStarted()
        _ = machine.clientWritabilityChanged(isWritable: false)
        XCTAssertEqual(machine.clientTimedOut(), .clientTooSlow)
    }

    func testAFileThatCannotBeFinishedClosesTheConnection() {
        var machine = ProxyStateMachine()
        _ = receive(&machine, head())
        _ = machine.requestEndReceived()
        _ = machine.fileResponseStarted()
        _ = machine.fileResponseFinished()
        // Found out after the response was handed over (keep-alive): the connection still closes.
        XCTAssertEqual(machine.fileResponseFailed(), .closeClient(.uncounted))
        XCTAssertEqual(machine.fileResponseFailed(), .none)
    }

    func testUnmatchedAndProxiedRoutesAreUnchanged() {
        var machine = ProxyStateMachine()
        guard let decoded = try? RequestHeadFixture.decode(head(.POST)) else { return XCTFail() }
        guard case .proxy = machine.requestHeadReceived(decoded, policy: policy, unavailableStatus: nil, now: 0) else {
            return XCTFail("a POST to a proxied route is proxied")
        }
    }
}
