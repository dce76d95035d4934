import BalancerCore
import NIOCore

/// A timeout that costs nothing to move: arming only records a deadline, and the timer sits once in its loop's
/// `LoopTimerQueue` until the time it was queued for; then it sees whether the deadline moved, and queues itself
/// again if so.
///
/// Requests move the deadline far more often than it expires, so moving it later touches no queue. Confined to
/// one event loop.
///
/// The expiry closure holds its owner strongly (a weak reference would give the owner a side table, which makes
/// every retain and release of it take the slow path on the hot path), and the queue holds the timer while it is
/// armed; the owner breaks the cycle with `invalidate()` when its channel handler is removed.
final class DeadlineTimer {
    private let queue: LoopTimerQueue
    private var deadline: NIODeadline?
    /// When the queue looks at this timer again (meaningful while queued).
    private(set) var checkAt = NIODeadline.distantFuture
    /// The slot in the queue's heap; -1 when not queued. Kept by the queue.
    var queueIndex = -1
    private var onExpiry: (() -> Void)?

    init(queue: LoopTimerQueue, onExpiry: @escaping () -> Void) {
        self.queue = queue
        self.onExpiry = onExpiry
    }

    /// Expire at `deadline` unless re-armed or disarmed before.
    func arm(_ deadline: NIODeadline) {
        guard onExpiry != nil else { return }
        self.deadline = deadline
        if queueIndex >= 0 {
            if checkAt <= deadline { return }  // looked at earlier anyway, and queued again then
            queue.remove(self)
        }
        checkAt = deadline
        queue.insert(self)
    }

    /// Expire `timeout` after the current event's time (the loop clock's reading).
    func arm(after timeout: TimeAmount) {
        arm(queue.clock.now + timeout)
    }

    func disarm() {
        deadline = nil
    }

    /// Cancels everything; the timer can be armed again.
    func cancel() {
        deadline = nil
        queue.remove(self)
    }

    /// Cancels everything for good and lets go of the owner.
    func invalidate() {
        cancel()
        onExpiry = nil
    }

    /// The queue's time for this timer came (it is out of the queue now).
    func due(now: NIODeadline) {
        guard let deadline else { return }
        if deadline > now {
            checkAt = deadline
            queue.insert(self)
        } else {
            self.deadline = nil
            onExpiry?()
        }
    }
}
