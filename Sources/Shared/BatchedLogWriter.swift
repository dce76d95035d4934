import Foundation
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes log lines to a file descriptor from one background thread of its own, so a slow terminal, pipe or disk
/// never stalls an event loop. Event loops hand over whole batches (`LoopLogBatch`), not lines.
///
/// `shutdown()` writes every batch handed over before it, then stops the thread: a request answered before the
/// process exits is in the log. (A thread pool's shutdown cancels queued work, which lost lines on SIGTERM.)
public final class BatchedLogWriter: @unchecked Sendable {
    // @unchecked: `queue` is read and changed only while `signal` is locked; the rest is immutable.
    private let descriptor: CInt
    private let ownsDescriptor: Bool
    /// Locked around `queue`; its value is 1 while the writer thread has something to do (batches, or stop).
    private let signal = ConditionLock(value: 0)
    private var queue = LogWriterQueue()
    /// Becomes true when the writer thread has written its last batch and returned.
    private let finished = ConditionLock(value: false)

    /// Opens `output` and starts the writer thread, named `threadName`.
    public init(output: LogOutput, threadName: String = "log-writer") throws(LogOutputError) {
        (descriptor, ownsDescriptor) = try output.openDescriptor()
        let thread = Thread { [self] in self.run() }
        thread.name = threadName
        thread.start()
    }

    /// Queues `batch` (whole lines) for writing, in order. Called once per batch, never per line, so the lock is not
    /// on the request path. A batch handed over after `shutdown()` is dropped: the descriptor may be closed by then.
    public func submit(_ batch: ByteBuffer) {
        signal.lock()
        queue.enqueue(batch)
        signal.unlock(withValue: queue.hasWork ? 1 : 0)
    }

    /// Writes everything submitted so far, stops the thread and closes the file. Returns once the last byte was
    /// handed to the kernel. Calling it again does nothing more.
    public func shutdown() {
        signal.lock()
        let first = !queue.isClosed
        queue.close()
        signal.unlock(withValue: 1)
        finished.lock(whenValue: true)
        finished.unlock()
        if first && ownsDescriptor { close(descriptor) }
    }

    /// The writer thread: takes all queued batches at once, writes them outside the lock, until told to stop.
    private func run() {
        while true {
            signal.lock(whenValue: 1)
            let next = queue.next()
            signal.unlock(withValue: queue.hasWork ? 1 : 0)
            switch next {
            case .write(let batches):
                for batch in batches { writeAll(batch) }
            case .finish:
                finished.lock()
                finished.unlock(withValue: true)
                return
            }
        }
    }

    private func writeAll(_ batch: ByteBuffer) {
        batch.withUnsafeReadableBytes { bytes in
            var offset = 0
            var attempts = 0
            // Bounded: a descriptor that keeps refusing (a full pipe in non-blocking mode) costs lines, not a hang.
            while offset < bytes.count && attempts < 1000 {
                attempts += 1
                let n = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno != EINTR && errno != EAGAIN { return }
            }
        }
    }
}
