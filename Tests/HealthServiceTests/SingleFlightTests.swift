import NIOConcurrencyHelpers
import Shared
import XCTest

@testable import HealthService

/// At most one check in flight per dependency; callers share it and keep their own timeouts.
final class SingleFlightTests: XCTestCase {
    /// Sleeps that end only when the test says so: timeouts without waiting for real time.
    final class ManualTimer: Sendable {
        private let sleepers = NIOLockedValueBox<[CheckedContinuation<Void, Never>]>([])

        var pending: Int { sleepers.withLockedValue { $0.count } }

        func sleep(_: Duration) async throws {
            await withCheckedContinuation { continuation in sleepers.withLockedValue { $0.append(continuation) } }
        }

        func fireAll() {
            for sleeper in sleepers.withLockedValue({ list in defer { list = [] }; return list }) { sleeper.resume() }
        }
    }

    /// An operation that runs until released, counting how often it was started.
    final class Gate: Sendable {
        private let state = NIOLockedValueBox<(starts: Int, waiters: [CheckedContinuation<Void, Never>], open: Bool)>(
            (0, [], false))

        var starts: Int { state.withLockedValue { $0.starts } }

        func run() async -> String {
            await withCheckedContinuation { continuation in
                let open = state.withLockedValue { state -> Bool in
                    state.starts += 1
                    if !state.open { state.waiters.append(continuation) }
                    return state.open
                }
                if open { continuation.resume() }
            }
            return "done"
        }

        func open() {
            let waiters = state.withLockedValue { state in
                state.open = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    func testConcurrentCallersShareOneOperation() async throws {
        let timer = ManualTimer()
        let flight = SingleFlight<String>(sleep: timer.sleep)
        let gate = Gate()
        async let results = withTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask { await flight.run(timeout: .seconds(2), timedOut: { "timeout" }, operation: gate.run) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        try await waitUntil { timer.pending == 8 }
        XCTAssertEqual(gate.starts, 1)
        gate.open()
        let answers = await results
        XCTAssertEqual(answers, Array(repeating: "done", count: 8))
        XCTAssertFalse(flight.isRunning)
    }

    func testTimedOutCallersLeaveAndLaterCallersJoinTheSameOperation() async throws {
        let timer = ManualTimer()
        let flight = SingleFlight<String>(sleep: timer.sleep)
        let gate = Gate()
        async let first = flight.run(timeout: .seconds(2), timedOut: { "timeout" }, operation: gate.run)
        try await waitUntil { timer.pending == 1 && gate.starts == 1 }
        timer.fireAll()
        let firstAnswer = await first
        XCTAssertEqual(firstAnswer, "timeout")
        XCTAssertTrue(flight.isRunning, "the hung operation keeps running")

        async let second = flight.run(timeout: .seconds(2), timedOut: { "timeout" }, operation: gate.run)
        try await waitUntil { timer.pending == 1 }
        XCTAssertEqual(gate.starts, 1, "the second caller joined instead of starting another operation")
        gate.open()
        let secondAnswer = await second
        XCTAssertEqual(secondAnswer, "done")

        let third = await flight.run(timeout: .seconds(2), timedOut: { "timeout" }, operation: gate.run)
        XCTAssertEqual(third, "done")
        XCTAssertEqual(gate.starts, 2, "once finished, the next call starts a fresh operation")
    }

    func testHungDependencyPinsOneThreadAndAnswersWithinTheTimeout() async throws {
        let ping = ScriptedPing(.ok, blockMilliseconds: 600)
        let probe = DependencyProbe(name: "redis", timeout: .milliseconds(100), ping: ping)
        let start = ContinuousClock.now
        let outcomes = await withTaskGroup(of: CheckOutcome.self) { group in
            for _ in 0..<20 { group.addTask { await probe.check() } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - start
        XCTAssertEqual(Set(outcomes), [.failed("no answer within 100ms")])
        XCTAssertLessThan(elapsed, .milliseconds(500), "answered at the timeout, not when the dependency woke up")
        XCTAssertEqual(ping.calls, 1, "twenty requests, one blocking call")
        await probe.shutdown()
    }

    func testProbeRecoversWhenTheDependencyDoes() async throws {
        let ping = ScriptedPing(.failed("connection refused"))
        let probe = DependencyProbe(name: "database", timeout: .seconds(1), ping: ping)
        let down = await probe.check()
        XCTAssertEqual(down, .failed("connection refused"))
        ping.answer(.ok)
        let up = await probe.check()
        XCTAssertEqual(up, .ok)
        await probe.shutdown()
    }
}

/// Polls `condition` every millisecond for up to five seconds; fails the test if it never holds.
func waitUntil(
    _ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line
) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    for _ in 0..<100_000 where ContinuousClock.now < deadline {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    XCTFail("condition did not hold within 5 s", file: file, line: line)
    throw TestFailure("condition did not hold within 5 s")
}
