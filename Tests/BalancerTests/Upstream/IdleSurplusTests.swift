import BalancerCore
import XCTest

/// The surplus rule of the upstream idle pool as pure logic: within `keepalive` a connection is kept; beyond it,
/// kept until it has been idle for the grace, oldest first; `keepalive: 0` keeps nothing.
final class IdleSurplusTests: XCTestCase {
    private let surplus = IdleSurplus(grace: 1_000)

    func testCheckinKeepsWithinTheCapAndMarksSurplusBeyondIt() {
        XCTAssertEqual(surplus.checkin(idleCount: 0, keepalive: 2, now: 50), .keep)
        XCTAssertEqual(surplus.checkin(idleCount: 1, keepalive: 2, now: 50), .keep)
        XCTAssertEqual(surplus.checkin(idleCount: 2, keepalive: 2, now: 50), .keepAsSurplus(trimAt: 1_050))
        XCTAssertEqual(surplus.checkin(idleCount: 9, keepalive: 2, now: 70), .keepAsSurplus(trimAt: 1_070))
    }

    func testKeepaliveZeroKeepsNothingNotEvenForTheGrace() {
        XCTAssertEqual(surplus.checkin(idleCount: 0, keepalive: 0, now: 50), .close)
        XCTAssertEqual(surplus.trim(idleSince: [10, 20], keepalive: 0, now: 5_000), .init(close: 2, nextAt: nil))
    }

    func testNothingToTrimWithinTheCapHoweverOld() {
        XCTAssertEqual(surplus.trim(idleSince: [], keepalive: 2, now: 9_000), .init(close: 0, nextAt: nil))
        XCTAssertEqual(surplus.trim(idleSince: [1, 2], keepalive: 2, now: 9_000), .init(close: 0, nextAt: nil))
    }

    func testTrimClosesTheOldestSurplusThatWaitedTheGrace() {
        // Cap 2, five idle: the three oldest are surplus; two of them have waited 1,000.
        let trim = surplus.trim(idleSince: [100, 200, 900, 950, 990], keepalive: 2, now: 1_250)
        XCTAssertEqual(trim, .init(close: 2, nextAt: 1_900))
    }

    func testTrimWaitsForSurplusThatIsStillYoung() {
        XCTAssertEqual(
            surplus.trim(idleSince: [500, 600, 700], keepalive: 1, now: 1_000), .init(close: 0, nextAt: 1_500))
        // Exactly at the grace it goes.
        XCTAssertEqual(
            surplus.trim(idleSince: [500, 600, 700], keepalive: 1, now: 1_500), .init(close: 1, nextAt: 1_600))
        XCTAssertEqual(
            surplus.trim(idleSince: [500, 600, 700], keepalive: 1, now: 1_600), .init(close: 2, nextAt: nil))
    }

    func testALowerCapAfterAReloadTrimsDownToIt() {
        XCTAssertEqual(surplus.trim(idleSince: [1, 2, 3, 4], keepalive: 1, now: 2_000), .init(close: 3, nextAt: nil))
    }
}
