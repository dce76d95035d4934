import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The drain's wait on an embedded event loop: no sockets, and time moves only when the test says.
final class DrainWaiterTests: XCTestCase {
    /// The outcome once `future` completed; nil while it is pending.
    private func outcome(_ future: EventLoopFuture<DrainOutcome>, on loop: EmbeddedEventLoop) -> DrainOutcome? {
        loop.run()
        let result = NIOLockedValueBox<DrainOutcome?>(nil)
        future.whenSuccess { value in result.withLockedValue { $0 = value } }
        return result.withLockedValue { $0 }
    }

    func testEndsWhenEveryLoopHasDrained() throws {
        let loop = EmbeddedEventLoop()
        let first = loop.makePromise(of: Void.self)
        let second = loop.makePromise(of: Void.self)
        let waiter = DrainWaiter()
        let future = waiter.wait(for: [first.futureResult, second.futureResult], timeout: .seconds(30), on: loop)
        XCTAssertTrue(waiter.isWaiting)
        first.succeed()
        XCTAssertNil(outcome(future, on: loop), "one loop still has connections")
        second.succeed()
        XCTAssertEqual(outcome(future, on: loop), .drained)
        XCTAssertFalse(waiter.isWaiting)
        loop.advanceTime(by: .seconds(30))
        XCTAssertEqual(outcome(future, on: loop), .drained, "the cancelled deadline changes nothing")
        try loop.syncShutdownGracefully()
    }

    func testEndsAtTheDeadline() throws {
        let loop = EmbeddedEventLoop()
        let busy = loop.makePromise(of: Void.self)
        let future = DrainWaiter().wait(for: [busy.futureResult], timeout: .seconds(5), on: loop)
        loop.advanceTime(by: .milliseconds(4999))
        XCTAssertNil(outcome(future, on: loop))
        loop.advanceTime(by: .milliseconds(1))
        XCTAssertEqual(outcome(future, on: loop), .deadline)
        busy.succeed()
        XCTAssertEqual(outcome(future, on: loop), .deadline, "a loop draining after the deadline changes nothing")
        try loop.syncShutdownGracefully()
    }

    func testASecondSignalEndsIt() throws {
        let loop = EmbeddedEventLoop()
        let busy = loop.makePromise(of: Void.self)
        let waiter = DrainWaiter()
        let future = waiter.wait(for: [busy.futureResult], timeout: .seconds(30), on: loop)
        XCTAssertNil(outcome(future, on: loop))
        waiter.closeNow()
        XCTAssertEqual(outcome(future, on: loop), .closeNow)
        busy.succeed()
        try loop.syncShutdownGracefully()
    }

    func testASecondSignalBeforeTheDrainBeganEndsItAsItStarts() throws {
        let loop = EmbeddedEventLoop()
        let busy = loop.makePromise(of: Void.self)
        let waiter = DrainWaiter()
        waiter.closeNow()
        let future = waiter.wait(for: [busy.futureResult], timeout: .seconds(30), on: loop)
        XCTAssertEqual(outcome(future, on: loop), .closeNow)
        busy.succeed()
        try loop.syncShutdownGracefully()
    }

    func testNothingToWaitForEndsAtOnce() throws {
        let loop = EmbeddedEventLoop()
        let future = DrainWaiter().wait(for: [], timeout: .seconds(30), on: loop)
        XCTAssertEqual(outcome(future, on: loop), .drained)
        try loop.syncShutdownGracefully()
    }

    func testAWaitStartedDuringAnotherEndsWithIt() throws {
        let loop = EmbeddedEventLoop()
        let busy = loop.makePromise(of: Void.self)
        let waiter = DrainWaiter()
        let first = waiter.wait(for: [busy.futureResult], timeout: .seconds(30), on: loop)
        let second = waiter.wait(for: [], timeout: .zero, on: loop)
        XCTAssertNil(outcome(second, on: loop), "the second wait does not start a drain of its own")
        busy.succeed()
        XCTAssertEqual(outcome(first, on: loop), .drained)
        XCTAssertEqual(outcome(second, on: loop), .drained)
        try loop.syncShutdownGracefully()
    }
}
