import NIOConcurrencyHelpers
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `LogHandler` writing one line per message to standard output:
/// `2025-01-31T09:05:07.042Z info health-service: GET /health 200 0.21ms instance=backend-1`.
///
/// Containers and process supervisors collect stdout, so that is where both executables log. Each line is written
/// with a single `write(2)` so lines from different threads never interleave.
public struct StdoutLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let timestamps: TimestampCache

    public init(label: String, level: Logger.Level = .info, timestamps: TimestampCache = .shared) {
        self.label = label
        self.logLevel = level
        self.timestamps = timestamps
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Merging copies the dictionary: only pay for it when the call site added metadata of its own.
        let merged = event.metadata.map { extra in metadata.merging(extra) { _, new in new } } ?? metadata
        var line = Self.render(
            timestamp: timestamps.now(),
            level: event.level,
            label: label,
            message: "\(event.message)",
            metadata: merged
        )
        line.append("\n")
        StandardOutput.writeLines(line)
    }

    /// The text of one log line without its newline; metadata sorted by key so lines are stable to read and grep.
    public static func render(
        timestamp: String,
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata
    ) -> String {
        var line = "\(timestamp) \(level) \(label): \(message)"
        // One entry (the access log's `instance`) is the common case: no sorted copy needed for it.
        if metadata.count == 1, let (key, value) = metadata.first {
            line += " \(key)=\(value)"
            return line
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        return line
    }
}

/// Serialised, unbuffered writes to file descriptor 1.
enum StandardOutput {
    private static let lock = NIOLockedValueBox(())

    /// Writes `text`, whole lines ending in a newline, with as few `write(2)` calls as the kernel allows.
    static func writeLines(_ text: String) {
        var text = text
        // A native string hands out its UTF-8 bytes without a copy.
        text.withUTF8 { buffer in
            lock.withLockedValue { _ in
                var offset = 0
                while offset < buffer.count {
                    let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        return  // stdout closed or full: dropping a log line beats blocking a request.
                    }
                }
            }
        }
    }
}

/// Installs `StdoutLogHandler` as the process-wide logging backend.
public enum LoggingBootstrap {
    /// Call once at start-up, before any `Logger` is made. `LOG_LEVEL` (trace…critical) overrides `defaultLevel`.
    public static func bootstrapStdout(
        defaultLevel: Logger.Level = .info,
        environment: [String: String] = [:]
    ) {
        let level = environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? defaultLevel
        LoggingSystem.bootstrap { label in StdoutLogHandler(label: label, level: level) }
    }
}
