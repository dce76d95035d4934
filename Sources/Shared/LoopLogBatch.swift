import NIOCore

/// Collects log lines on one event loop and hands them to a `BatchedLogWriter` in one batch once 64 KiB are
/// buffered or 200 ms after the first line, whichever comes first. Confined to its event loop: no lock per line.
///
/// What goes in a line is the caller's: `append` hands it the buffer to write the line's bytes, newline included.
/// The timer runs only while lines wait, so an idle loop is never woken for the log.
public final class LoopLogBatch {
    private let writer: BatchedLogWriter
    private let eventLoop: any EventLoop
    private let flushInterval: TimeAmount
    private let flushThreshold: Int
    private var buffer: ByteBuffer
    private var flushTask: Scheduled<Void>?
    private var stopped = false

    /// - Parameters:
    ///   - flushInterval: the longest a line waits in the batch.
    ///   - flushThreshold: the batch size (bytes) that is handed over at once.
    public init(
        writer: BatchedLogWriter,
        eventLoop: any EventLoop,
        flushInterval: TimeAmount = .milliseconds(200),
        flushThreshold: Int = 64 * 1024
    ) {
        self.writer = writer
        self.eventLoop = eventLoop
        self.flushInterval = flushInterval
        self.flushThreshold = flushThreshold
        self.buffer = Self.freshBuffer()
    }

    /// Bytes written to the batch and not yet handed to the writer.
    public var bufferedBytes: Int { buffer.readableBytes }

    /// Adds one line: `writeLine` appends its bytes, newline included, to the batch's buffer.
    public func append(_ writeLine: (inout ByteBuffer) -> Void) {
        writeLine(&buffer)
        // After `stop()` no timer flushes: a line written while connections are closing goes out at once.
        if buffer.readableBytes >= flushThreshold || stopped {
            flush()
        } else if flushTask == nil {
            flushTask = eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: flushInterval) { [self] in
                flushTask = nil
                flush()
            }
        }
    }

    /// Hands what is buffered to the writer now.
    public func flush() {
        guard buffer.readableBytes > 0 else { return }
        writer.submit(buffer)
        buffer = Self.freshBuffer()
    }

    /// Hands over what is buffered and every later line at once (shutdown: no more timer).
    public func stop() {
        stopped = true
        flushTask?.cancel()
        flushTask = nil
        flush()
    }

    private static func freshBuffer() -> ByteBuffer {
        ByteBufferAllocator().buffer(capacity: 16 * 1024)
    }
}
