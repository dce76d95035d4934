import BalancerCore
import NIOCore
import Shared

/// Where the balancer's access-log lines go: Shared's `BatchedLogWriter`, opened for `access_log:`.
typealias AccessLogWriter = BatchedLogWriter

/// The writer's to-do list, under the name the balancer's tests know it by.
typealias AccessLogQueue = LogWriterQueue

extension BatchedLogWriter {
    /// Opens the target; `nil` for `access_log: off`.
    convenience init?(target: AccessLogTarget) throws {
        switch target {
        case .off:
            return nil
        case .stdout:
            try self.init(output: .standardOutput, threadName: "access-log")
        case .file(let path):
            do {
                try self.init(output: .file(path), threadName: "access-log")
            } catch {
                throw AccessLogError(message: "cannot open access log \(path): \(error.reason)")
            }
        }
    }
}

/// The access-log failure a user sees.
struct AccessLogError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One event loop's access-log batch (`LoopLogBatch`), writing each request's line in the configured `log_format`.
/// Confined to its event loop.
final class AccessLogBuffer {
    private let batch: LoopLogBatch
    private let format: LogFormat

    init(writer: AccessLogWriter, format: LogFormat, eventLoop: EventLoop) {
        self.batch = LoopLogBatch(writer: writer, eventLoop: eventLoop)
        self.format = format
    }

    func append(_ entry: AccessLogEntry, dates: HTTPDateCache) {
        switch format {
        case .combined: batch.append { entry.writeCombined(into: &$0, localTime: dates.logDate) }
        case .json: batch.append { entry.writeJSON(into: &$0, isoTime: dates.isoDate) }
        }
    }

    /// Hands over what is buffered and flushes every later line at once (shutdown: no more timer).
    func stop() { batch.stop() }
}
