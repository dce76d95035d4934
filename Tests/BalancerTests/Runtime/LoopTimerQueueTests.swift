import NIOCore
import NIOEmbedded
import XCTest

@testable import Balancer

/// One loop's timer queue on an embedded loop's clock: timers expire in deadline order, once; moving a deadline
/// later costs no queue work, earlier moves it up; cancelled and disarmed timers never expire; an invalidated
/// timer lets go of its owner.
final class LoopTimerQueueTests: XCTestCase {
    private var loop: EmbeddedEventLoop!
    private var queue: LoopTimerQueue!
    private var expired: [String] = []

    override func setUp() {
        loop = EmbeddedEventLoop()
        queue = LoopTimerQueue(eventLoop: loop, clock: LoopClock(clock: { [unowned self] in self.loop.now }))
        expired = []
    }

    override func tearDown() {
        try? loop.syncShutdownGracefully()
    }

    private func timer(_ name: String) -> DeadlineTimer {
        DeadlineTimer(queue: queue) { [unowned self] in self.expired.append(name) }
    }

    private func at(_ milliseconds: Int64) -> NIODeadline { loop.now + .milliseconds(milliseconds) }

    func testTimersExpireInDeadlineOrderOnce() {
        let timers = (0..<50).map { timer("t\($0)") }
        // Armed in a scrambled order, so the heap has to order them.
        for index in (0..<50).map({ ($0 * 37) % 50 }) { timers[index].arm(at(Int64(10 + index * 10))) }
        XCTAssertEqual(queue.count, 50)
        loop.advanceTime(by: .milliseconds(255))
        XCTAssertEqual(expired, (0..<25).map { "t\($0)" })
        loop.advanceTime(by: .seconds(1))
        XCTAssertEqual(expired, (0..<50).map { "t\($0)" })
        XCTAssertEqual(queue.count, 0)
        loop.advanceTime(by: .seconds(1))
        XCTAssertEqual(expired.count, 50, "each once")
    }

    func testMovingADeadlineLaterTouchesNoQueueAndExpiresThen() {
        let keepalive = timer("keepalive")
        keepalive.arm(at(100))
        for step in 1...100 { keepalive.arm(at(100 + Int64(step))) }
        XCTAssertEqual(queue.count, 1)
        loop.advanceTime(by: .milliseconds(150))
        XCTAssertEqual(expired, [], "looked at when first due, then queued again for the moved deadline")
        XCTAssertEqual(queue.count, 1)
        loop.advanceTime(by: .milliseconds(60))
        XCTAssertEqual(expired, ["keepalive"])
    }

    func testMovingADeadlineEarlierExpiresAtTheEarlierTime() {
        let header = timer("header")
        let other = timer("other")
        other.arm(at(500))
        header.arm(at(1000))
        header.arm(at(100))
        XCTAssertEqual(queue.count, 2)
        loop.advanceTime(by: .milliseconds(110))
        XCTAssertEqual(expired, ["header"])
        loop.advanceTime(by: .milliseconds(400))
        XCTAssertEqual(expired, ["header", "other"])
    }

    func testCancelledAndDisarmedTimersNeverExpire() {
        let cancelled = timer("cancelled")
        let disarmed = timer("disarmed")
        let kept = timer("kept")
        cancelled.arm(at(50))
        disarmed.arm(at(60))
        kept.arm(at(70))
        cancelled.cancel()
        disarmed.disarm()
        XCTAssertEqual(queue.count, 2, "a cancelled timer leaves the queue at once; a disarmed one when looked at")
        loop.advanceTime(by: .milliseconds(100))
        XCTAssertEqual(expired, ["kept"])
        XCTAssertEqual(queue.count, 0)
        cancelled.arm(at(10))
        loop.advanceTime(by: .milliseconds(20))
        XCTAssertEqual(expired, ["kept", "cancelled"], "a cancelled timer can be armed again")
    }

    func testAnInvalidatedTimerLetsGoOfItsOwner() {
        final class Owner {
            var timer: DeadlineTimer?
        }
        weak var gone: Owner?
        do {
            let owner = Owner()
            owner.timer = DeadlineTimer(queue: queue) { _ = owner }
            owner.timer?.arm(at(1000))
            gone = owner
            owner.timer?.invalidate()
            owner.timer?.arm(at(10))
        }
        XCTAssertNil(gone, "neither the queue nor the expiry closure holds the owner")
        XCTAssertEqual(queue.count, 0, "and an invalidated timer is not armed again")
    }

    func testATimerArmedWhileTheQueueFiresIsKept() {
        let first = timer("first")
        let second = timer("second")
        var rearmed = false
        let chained = DeadlineTimer(queue: queue) { [unowned self] in
            self.expired.append("chained")
            if !rearmed {
                rearmed = true
                second.arm(self.at(10))
            }
        }
        first.arm(at(10))
        chained.arm(at(10))
        loop.advanceTime(by: .milliseconds(15))
        XCTAssertEqual(Set(expired), ["first", "chained"])
        loop.advanceTime(by: .milliseconds(15))
        XCTAssertEqual(expired.last, "second")
    }
}
