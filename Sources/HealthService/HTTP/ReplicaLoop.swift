import NIOCore
import Shared

/// What one event loop of a replica keeps for the connections it serves, so answering a request takes no lock: the
/// date strings and the access-log batch. One per loop (`ReplicaLoops`), touched only on its loop.
final class ReplicaLoop {
    let dates: LoopDateCache
    private let accessLog: LoopLogBatch?
    private let lineFormat: AccessLineFormat

    /// - Parameter writer: where the access log's batches go; nil when requests are not logged.
    init(
        eventLoop: any EventLoop,
        writer: BatchedLogWriter?,
        lineFormat: AccessLineFormat,
        clock: @escaping @Sendable () -> WallClockInstant = { .now() }
    ) {
        dates = LoopDateCache(clock: clock)
        accessLog = writer.map { LoopLogBatch(writer: $0, eventLoop: eventLoop) }
        self.lineFormat = lineFormat
    }

    /// Whether requests are logged; when not, callers neither build lines nor read the clock for them.
    var logsRequests: Bool { accessLog != nil }

    /// Adds the access-log line for `message` (`GET /health 200 0.21ms`), stamped now, to this loop's batch.
    func logRequest(_ message: String) {
        guard let accessLog else { return }
        dates.refresh()
        let timestamp = dates.isoTimestamp
        accessLog.append { lineFormat.write(message, timestamp: timestamp, into: &$0) }
    }

    /// Hands the buffered lines to the writer, and every later one at once (shutdown).
    func stopLogging() {
        accessLog?.stop()
    }
}
