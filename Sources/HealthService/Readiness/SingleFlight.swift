import NIOConcurrencyHelpers
import Shared

/// Runs at most one operation at a time; callers arriving while it runs share its result.
///
/// Each caller also has its own timeout: when it expires the caller gets `timedOut` and leaves, while the operation
/// keeps running and later callers keep joining it instead of starting another. A hung dependency therefore pins
/// one worker thread, never one per request.
final class SingleFlight<Value: Sendable>: Sendable {
    /// A caller waiting for the result, with the timer that gives up for it.
    private struct Waiter {
        var continuation: CheckedContinuation<Value, Never>
        var timer: Task<Void, Never>?
    }

    /// Whether an operation runs, and who waits for it.
    private struct State {
        var running = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    private let state = NIOLockedValueBox(State())
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameter sleep: how a caller waits out its timeout; tests inject a controllable clock.
    init(sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.sleep = sleep
    }

    /// True while an operation is in flight (for tests and diagnostics).
    var isRunning: Bool { state.withLockedValue { $0.running } }

    /// Joins the running operation, or starts `operation` if none runs, and returns its value, or `timedOut` once
    /// `timeout` has passed.
    func run(
        timeout: Duration, timedOut: @escaping @Sendable () -> Value,
        operation: @escaping @Sendable () async -> Value
    ) async -> Value {
        await withCheckedContinuation { continuation in
            let (id, mustStart) = state.withLockedValue { state -> (UInt64, Bool) in
                let id = state.nextID
                state.nextID += 1
                state.waiters[id] = Waiter(continuation: continuation, timer: nil)
                defer { state.running = true }
                return (id, !state.running)
            }
            let timer = Task { [sleep] in
                do { try await sleep(timeout) } catch { return }  // cancelled: the answer came first
                self.resume(waiter: id, with: timedOut())
            }
            let stillWaiting = state.withLockedValue { state -> Bool in
                guard state.waiters[id] != nil else { return false }
                state.waiters[id]?.timer = timer
                return true
            }
            if !stillWaiting { timer.cancel() }
            if mustStart {
                Task {
                    let value = await operation()
                    self.finish(with: value)
                }
            }
        }
    }

    private func resume(waiter id: UInt64, with value: Value) {
        let waiter = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(returning: value)
    }

    private func finish(with value: Value) {
        let waiters = state.withLockedValue { state -> [Waiter] in
            state.running = false
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: value)
        }
    }
}
