import XCTest

@testable import Balancer
@testable import BalancerCore

/// Which requests are WebSocket upgrades, read from the received lines: `GET` over HTTP/1.1 with `websocket`
/// among the `Upgrade` tokens and `upgrade` among the `Connection` tokens, in any case, on any line of each.
final class WebSocketUpgradeTests: XCTestCase {
    private func isUpgrade(_ start: String, _ lines: [String]) throws -> Bool {
        let text = start + "\r\nHost: h\r\n" + lines.map { $0 + "\r\n" }.joined() + "\r\n"
        return WebSocketUpgrade.isRequest(try RequestHeadFixture.decode(text))
    }

    func testUpgradesAreRecognisedWhereverTheTokensAre() throws {
        let get = "GET /ws HTTP/1.1"
        XCTAssertTrue(try isUpgrade(get, ["Upgrade: websocket", "Connection: Upgrade"]))
        XCTAssertTrue(try isUpgrade(get, ["upgrade: WebSocket", "connection: keep-alive, UPGRADE"]))
        XCTAssertTrue(
            try isUpgrade(get, ["Connection: keep-alive", "Upgrade: h2c,\twebsocket ", "Connection: upgrade"]))
        XCTAssertTrue(try isUpgrade(get, ["Upgrade: , websocket,", "Connection: ,upgrade"]))
    }

    func testOtherRequestsAreNot() throws {
        let get = "GET /ws HTTP/1.1"
        XCTAssertFalse(try isUpgrade("POST /ws HTTP/1.1", ["Upgrade: websocket", "Connection: upgrade"]))
        XCTAssertFalse(try isUpgrade("GET /ws HTTP/1.0", ["Upgrade: websocket", "Connection: upgrade"]))
        XCTAssertFalse(try isUpgrade(get, ["Upgrade: websocket"]))
        XCTAssertFalse(try isUpgrade(get, ["Connection: upgrade"]))
        XCTAssertFalse(try isUpgrade(get, ["Upgrade: h2c", "Connection: upgrade"]))
        XCTAssertFalse(try isUpgrade(get, ["Upgrade: websockets", "Connection: upgrade"]))
        XCTAssertFalse(try isUpgrade(get, ["Upgrade: websocket/13", "Connection: upgraded"]))
        XCTAssertFalse(try isUpgrade(get, ["Upgrade: web socket", "Connection: upgrade"]))
        XCTAssertFalse(try isUpgrade(get, ["X-Upgrade: websocket", "Connection: upgrade"]))
        // Tokens are ASCII: a Kelvin sign is no `k`, whatever Unicode case mapping says.
        XCTAssertFalse(try isUpgrade(get, ["Upgrade: websoc\u{212A}et", "Connection: upgrade"]))
    }
}
