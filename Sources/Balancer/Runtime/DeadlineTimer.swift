import BalancerCore
import NIOCore

/// A timeout that costs nothing to move: arming only records a deadline, and a single scheduled task per
/// connection fires, sees whether the deadline moved, and reschedules itself if so.
///
/// Scheduling and cancelling a task for every request or every read would be the expensive way; requests move the
/// deadline far more often than it expires. Confined to one event loop.
///
/// The expiry closure holds its owner strongly (a weak reference would give the owner a side table, which makes
/// every retain and release of it take the slow path on the hot path); the owner breaks the cycle with
/// `invalidate()` when its channel handler is removed.
final class DeadlineTimer {
    private let eventLoop: EventLoop
    private var deadline: NIODeadline?
    private var scheduled: Scheduled<Void>?
    private var scheduledFor: NIODeadline?
    private var onExpiry: (() -> Void)?

    init(eventLoop: EventLoop, onExpiry: @escaping () -> Void) {
        self.eventLoop = eventLoop
        self.onExpiry = onExpiry
    }

    /// Expire at `deadline` unless re-armed or disarmed before.
    func arm(_ deadline: NIODeadline) {
        guard onExpiry != nil else { return }
        self.deadline = deadline
        if let at = scheduledFor, at <= deadline { return }  // the pending task will fire earlier and re-check
        scheduled?.cancel()
        schedule(at: deadline)
    }

    func disarm() {
        deadline = nil
    }

    /// Cancels everything; the timer can be armed again.
    func cancel() {
        deadline = nil
        scheduled?.cancel()
        scheduled = nil
        scheduledFor = nil
    }

    /// Cancels everything for good and lets go of the owner.
    func invalidate() {
        cancel()
        onExpiry = nil
    }

    private func schedule(at when: NIODeadline) {
        scheduledFor = when
        scheduled = eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: when) { [self] in
            self.fire()
        }
    }

    private func fire() {
        scheduled = nil
        scheduledFor = nil
        guard let deadline else { return }
        if deadline > .now() {
            schedule(at: deadline)
        } else {
            self.deadline = nil
            onExpiry?()
        }
    }
}
