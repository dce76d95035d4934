import BalancerCore
import NIOConcurrencyHelpers
import NIOCore

/// Waits for the end of a drain: every loop's "no connections left" future, the deadline, or `closeNow()`,
/// whichever comes first (`DrainRace` decides). Nothing polls: each end completes a future.
///
/// One per server. `closeNow()` may come from any thread, before or during the wait.
final class DrainWaiter: Sendable {
    private struct State {
        var race = DrainRace()
        /// The promise of the wait in progress.
        var outcome: EventLoopPromise<DrainOutcome>?
    }

    /// What one call to `wait` does, decided under the lock.
    private enum Plan {
        case run(EventLoopPromise<DrainOutcome>)
        case join(EventLoopFuture<DrainOutcome>)
        case ended(DrainOutcome)
    }

    private let state = NIOLockedValueBox(State())

    init() {}

    /// Waits, on `eventLoop`, for all of `loops` to complete, for `timeout` to pass, or for `closeNow()`.
    func wait(
        for loops: [EventLoopFuture<Void>],
        timeout: TimeAmount,
        on eventLoop: EventLoop
    ) -> EventLoopFuture<DrainOutcome> {
        let plan = state.withLockedValue { state -> Plan in
            switch state.race.start() {
            case .ended(let outcome):
                return .ended(outcome)
            case .join:
                guard let running = state.outcome else { preconditionFailure("a drain waits without a promise") }
                return .join(running.futureResult)
            case .wait:
                let promise = eventLoop.makePromise(of: DrainOutcome.self)
                state.outcome = promise
                return .run(promise)
            }
        }
        switch plan {
        case .ended(let outcome):
            return eventLoop.makeSucceededFuture(outcome)
        case .join(let running):
            return running.hop(to: eventLoop)
        case .run(let promise):
            let deadline = eventLoop.scheduleTask(in: timeout) { self.finish(.deadline) }
            EventLoopFuture.andAllComplete(loops, on: eventLoop).whenComplete { _ in self.finish(.drained) }
            promise.futureResult.whenComplete { _ in deadline.cancel() }
            return promise.futureResult
        }
    }

    /// Whether a wait is in progress (tests act on a drain that has begun).
    var isWaiting: Bool { state.withLockedValue { $0.race.state == .waiting } }

    /// Ends the wait at once; remembered when no wait has started yet.
    func closeNow() {
        finish(.closeNow)
    }

    private func finish(_ outcome: DrainOutcome) {
        let promise = state.withLockedValue { state -> EventLoopPromise<DrainOutcome>? in
            guard state.race.end(outcome) != nil else { return nil }
            defer { state.outcome = nil }
            return state.outcome
        }
        promise?.succeed(outcome)
    }
}
