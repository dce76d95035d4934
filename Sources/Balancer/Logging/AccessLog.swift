import Foundation
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where access-log lines go: a file descriptor written by one background thread of its own, so a slow terminal or
/// disk never stalls an event loop. Event loops hand over whole batches (`AccessLogBuffer`), not lines.
///
/// `shutdown()` writes every batch handed over before it, then stops the thread: a request answered before the
/// balancer exits is in the log. (A thread pool's shutdown cancels queued work, which lost lines on SIGTERM.)
final class AccessLogWriter: @unchecked Sendable {
    // @unchecked: `queue` is read and changed only while `signal` is locked; the rest is immutable.
    private let fd: CInt
    private let ownsDescriptor: Bool
    /// Locked around `queue`; its value is 1 while the writer thread has something to do (batches, or stop).
    private let signal = ConditionLock(value: 0)
    private var queue = AccessLogQueue()
    /// Becomes true when the writer thread has written its last batch and returned.
    private let finished = ConditionLock(value: false)

    /// Opens the target; `nil` for `access_log: off`.
    init?(target: AccessLogTarget) throws {
        switch target {
        case .off:
            return nil
        case .stdout:
            fd = STDOUT_FILENO
            ownsDescriptor = false
        case .file(let path):
            let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard opened >= 0 else {
                throw AccessLogError(message: "cannot open access log \(path): \(String(cString: strerror(errno)))")
            }
            fd = opened
            ownsDescriptor = true
        }
        let thread = Thread { [self] in self.run() }
        thread.name = "access-log"
        thread.start()
    }

    /// Queues `batch` for writing, in order. Called once per batch (every 200 ms or 64 KiB per event loop), never
    /// per request, so the lock is not on the request path. A batch handed over after `shutdown()` is dropped:
    /// the descriptor may be closed by then.
    func submit(_ batch: ByteBuffer) {
        signal.lock()
        queue.enqueue(batch)
        signal.unlock(withValue: queue.hasWork ? 1 : 0)
    }

    /// Writes everything submitted so far, stops the thread and closes the file. Returns once the last byte
    /// was handed to the kernel.
    func shutdown() {
        signal.lock()
        queue.close()
        signal.unlock(withValue: 1)
        finished.lock(whenValue: true)
        finished.unlock()
        if ownsDescriptor { close(fd) }
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
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno != EINTR && errno != EAGAIN { return }
            }
        }
    }
}

/// The writer thread's to-do list: batches waiting, in order, and whether it was told to stop. A plain value, so
/// the rule that stopping comes only after every queued batch is tested without threads.
struct AccessLogQueue {
    /// What the writer thread does next.
    enum Next: Equatable {
        case write([ByteBuffer])
        /// Told to stop and nothing left to write.
        case finish
    }

    private var pending: [ByteBuffer] = []
    private(set) var isClosed = false

    /// True when the writer thread must wake up: batches wait, or it must stop.
    var hasWork: Bool { !pending.isEmpty || isClosed }

    /// Adds `batch` at the end; false (not queued) once closed.
    @discardableResult
    mutating func enqueue(_ batch: ByteBuffer) -> Bool {
        guard !isClosed else { return false }
        pending.append(batch)
        return true
    }

    /// No more batches are taken; those queued are still written.
    mutating func close() { isClosed = true }

    /// Everything queued (oldest first), or `.finish` when closed and empty. Only call while `hasWork`.
    mutating func next() -> Next {
        if pending.isEmpty {
            precondition(isClosed, "next() without work")
            return .finish
        }
        defer { pending.removeAll(keepingCapacity: true) }
        return .write(pending)
    }
}

/// The access-log failure a user sees.
struct AccessLogError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Collects access-log lines on one event loop and hands them to the writer every 200 ms or every 64 KiB,
/// whichever comes first. Confined to its event loop.
final class AccessLogBuffer {
    private let writer: AccessLogWriter
    private let format: LogFormat
    private var buffer: ByteBuffer
    private let eventLoop: EventLoop
    private var flushTask: Scheduled<Void>?
    private var stopped = false
    private static let flushThreshold = 64 * 1024

    init(writer: AccessLogWriter, format: LogFormat, eventLoop: EventLoop) {
        self.writer = writer
        self.format = format
        self.eventLoop = eventLoop
        self.buffer = ByteBufferAllocator().buffer(capacity: 16 * 1024)
        scheduleFlush()
    }

    private func scheduleFlush() {
        guard !stopped else { return }
        flushTask = eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: .milliseconds(200)) { [self] in
            self.flush()
            self.scheduleFlush()
        }
    }

    func append(_ entry: AccessLogEntry, dates: HTTPDateCache) {
        switch format {
        case .combined: entry.writeCombined(into: &buffer, localTime: dates.logDate)
        case .json: entry.writeJSON(into: &buffer, isoTime: dates.isoDate)
        }
        // After `stop()` no timer flushes: a request finishing while connections are closed goes out at once.
        if buffer.readableBytes >= AccessLogBuffer.flushThreshold || stopped { flush() }
    }

    func flush() {
        guard buffer.readableBytes > 0 else { return }
        writer.submit(buffer)
        buffer = ByteBufferAllocator().buffer(capacity: 16 * 1024)
    }

    /// Hands over what is buffered and flushes every later line at once (shutdown: no more timer).
    func stop() {
        stopped = true
        flushTask?.cancel()
        flush()
    }
}
