import XCTest

@testable import Balancer
@testable import BalancerCore

/// Which end of a drain counts: the first, once; a close-now asked for early ends the drain as it starts.
final class DrainRaceTests: XCTestCase {
    func testTheFirstEndCountsAndLaterOnesAreIgnored() {
        var race = DrainRace()
        XCTAssertEqual(race.start(), .wait)
        XCTAssertEqual(race.end(.drained), .drained)
        XCTAssertNil(race.end(.deadline), "the deadline of a drain that ended changes nothing")
        XCTAssertNil(race.end(.closeNow))
        XCTAssertEqual(race.state, .ended(.drained))
    }

    func testCloseNowBeforeTheDrainStartsEndsItAtOnce() {
        var race = DrainRace()
        XCTAssertNil(race.end(.closeNow), "nothing to end yet")
        XCTAssertEqual(race.start(), .ended(.closeNow))
        XCTAssertEqual(race.state, .ended(.closeNow))
    }

    func testOnlyCloseNowIsRememberedBeforeTheStart() {
        var race = DrainRace()
        XCTAssertNil(race.end(.deadline))
        XCTAssertEqual(race.start(), .wait, "a stray deadline before the start does not end the drain")
    }

    func testAStartDuringTheWaitJoinsItAndOneAfterItGetsTheOutcome() {
        var race = DrainRace()
        XCTAssertEqual(race.start(), .wait)
        XCTAssertEqual(race.start(), .join)
        XCTAssertEqual(race.end(.deadline), .deadline)
        XCTAssertEqual(race.start(), .ended(.deadline))
    }
}
