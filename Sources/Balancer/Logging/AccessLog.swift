import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where access-log lines go: a file descriptor written by one background thread, so a slow terminal or disk
/// never stalls an event loop. Event loops hand over whole batches (`AccessLogBuffer`), not lines.
final class AccessLogWriter: Sendable {
    private let fd: CInt
    private let ownsDescriptor: Bool
    private let pool: NIOThreadPool

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
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// Queues `batch` for writing; order is kept per writer thread.
    func submit(_ batch: ByteBuffer) {
        let fd = self.fd
        pool.submit { state in
            guard case .active = state else { return }
            batch.withUnsafeReadableBytes { bytes in
                var offset = 0
                var attempts = 0
                while offset < bytes.count && attempts < 1000 {
                    attempts += 1
                    let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if n > 0 { offset += n } else if n < 0 && errno != EINTR && errno != EAGAIN { return }
                }
            }
        }
    }

    /// Writes what is queued and stops the thread.
    func shutdown() {
        try? pool.syncShutdownGracefully()
        if ownsDescriptor { close(fd) }
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
        if buffer.readableBytes >= AccessLogBuffer.flushThreshold { flush() }
    }

    func flush() {
        guard buffer.readableBytes > 0 else { return }
        writer.submit(buffer)
        buffer = ByteBufferAllocator().buffer(capacity: 16 * 1024)
    }

    func stop() {
        stopped = true
        flushTask?.cancel()
        flush()
    }
}
