import NIOCore
import NIOEmbedded
import XCTest

@testable import Balancer

/// The loop clock: one reading per event, the clock's own time outside events, and timers armed from the event's
/// time.
final class LoopClockTests: XCTestCase {
    private var reads = 0
    private var time = NIODeadline.uptimeNanoseconds(1_000)

    private func makeClock() -> LoopClock {
        LoopClock(clock: { [unowned self] in
            self.reads += 1
            return self.time
        })
    }

    func testAnEventReadsTheClockOnceForEverythingItAsks() {
        let clock = makeClock()
        let seen = clock.during { () -> [NIODeadline] in
            var seen = [clock.now]
            time = time + .milliseconds(5)
            seen.append(clock.now)
            seen.append(NIODeadline.uptimeNanoseconds(UInt64(clock.uptimeNanoseconds)))
            return seen
        }
        XCTAssertEqual(reads, 1)
        XCTAssertEqual(seen, Array(repeating: NIODeadline.uptimeNanoseconds(1_000), count: 3))
    }

    func testOutsideAnEventEveryQuestionReadsTheClock() {
        let clock = makeClock()
        XCTAssertEqual(clock.now, .uptimeNanoseconds(1_000))
        time = time + .seconds(60)
        XCTAssertEqual(clock.now, .uptimeNanoseconds(1_000) + .seconds(60), "never the reading of an event that ended")
        clock.during { _ = clock.now }
        time = time + .seconds(1)
        XCTAssertEqual(clock.now, .uptimeNanoseconds(1_000) + .seconds(61))
        XCTAssertEqual(reads, 4)
    }

    func testANestedEventKeepsTheOuterReading() {
        let clock = makeClock()
        clock.during {
            time = time + .milliseconds(1)
            clock.during { XCTAssertEqual(clock.now, .uptimeNanoseconds(1_000)) }
            XCTAssertEqual(clock.now, .uptimeNanoseconds(1_000), "the inner event leaves the reading in place")
        }
        XCTAssertEqual(reads, 1)
    }

    func testATimerArmedInAnEventCountsFromTheEventsTime() {
        let loop = EmbeddedEventLoop()
        let clock = LoopClock(clock: { loop.now })
        let queue = LoopTimerQueue(eventLoop: loop, clock: clock)
        var fired = 0
        let timer = DeadlineTimer(queue: queue) { fired += 1 }
        clock.during { timer.arm(after: .seconds(5)) }
        loop.advanceTime(by: .milliseconds(4_999))
        XCTAssertEqual(fired, 0)
        loop.advanceTime(by: .milliseconds(1))
        XCTAssertEqual(fired, 1)
        timer.invalidate()
    }
}
