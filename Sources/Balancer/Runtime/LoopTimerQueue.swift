import NIOCore

/// The connection timers (`DeadlineTimer`) of one event loop in one binary heap, ordered by when each must be
/// looked at, with a single NIO scheduled task for the earliest of them.
///
/// NIO's `scheduleTask` per armed timer allocates a task, a promise and a closure — about 110 bytes that every idle
/// keep-alive connection keeps for its keep-alive timeout, as nginx keeps none (its timers are nodes inside the
/// connection). Here an armed timer is one slot in an array; inserting and removing cost O(log n) and no
/// allocation. The heap is its own, with each timer's slot kept in the timer: swift-collections' `Heap` cannot
/// remove an element from the middle, which cancelling a timer needs.
///
/// Loop-bound: used only on its event loop, by the connections of that loop.
final class LoopTimerQueue {
    private let eventLoop: EventLoop
    /// The loop's clock, which timers are armed by (an `EmbeddedEventLoop`'s in tests).
    let clock: LoopClock
    private var heap: [DeadlineTimer] = []
    private var scheduled: Scheduled<Void>?
    private var scheduledFor: NIODeadline?

    init(eventLoop: EventLoop, clock: LoopClock = LoopClock()) {
        self.eventLoop = eventLoop
        self.clock = clock
    }

    /// Timers waiting to be looked at.
    var count: Int { heap.count }

    /// Queues `timer` (not queued yet) to be looked at at its `checkAt`.
    func insert(_ timer: DeadlineTimer) {
        assert(timer.queueIndex < 0, "a timer is queued once")
        timer.queueIndex = heap.count
        heap.append(timer)
        siftUp(heap.count - 1)
        scheduleEarliest()
    }

    /// Takes `timer` out of the queue, if it is in it. The scheduled task is left as it is: if it fires with
    /// nothing due it schedules the next one.
    func remove(_ timer: DeadlineTimer) {
        let index = timer.queueIndex
        guard index >= 0 else { return }
        timer.queueIndex = -1
        let last = heap.removeLast()
        guard index < heap.count else { return }
        heap[index] = last
        last.queueIndex = index
        siftDown(index)
        siftUp(last.queueIndex)
    }

    private func scheduleEarliest() {
        guard let first = heap.first else { return }
        if let at = scheduledFor, at <= first.checkAt { return }
        scheduled?.cancel()
        scheduledFor = first.checkAt
        scheduled = eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: first.checkAt) { [self] in
            fire()
        }
    }

    /// Hands every timer that is due back to its owner (which may queue it again), then waits for the next one.
    private func fire() {
        scheduled = nil
        scheduledFor = nil
        let now = clock.now
        while let first = heap.first, first.checkAt <= now {
            remove(first)
            first.due(now: now)
        }
        scheduleEarliest()
    }

    private func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].checkAt < heap[parent].checkAt else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            let child = right < heap.count && heap[right].checkAt < heap[left].checkAt ? right : left
            guard heap[child].checkAt < heap[parent].checkAt else { return }
            swapAt(child, parent)
            parent = child
        }
    }

    private func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        heap[a].queueIndex = a
        heap[b].queueIndex = b
    }
}
