import NIOCore
import Shared

/// The replica's access-log line as bytes: `2025-01-31T09:05:07.042Z info access: GET /health 200 0.21ms
/// instance=backend-1`, exactly what `StdoutLogHandler` writes for an `info` message carrying the instance as metadata.
struct AccessLineFormat: Sendable {
    /// ` info access: `, between the timestamp and the message.
    private let afterTimestamp: [UInt8]
    /// ` instance=backend-1` and the newline.
    private let afterMessage: [UInt8]

    init(instanceID: String, label: String = "access") {
        // `StdoutLogHandler`'s own rendering, split where the message goes, so the two cannot drift apart.
        let marker: Character = "\u{0}"
        let template = StdoutLogHandler.render(
            timestamp: "",
            level: .info,
            label: label,
            message: String(marker),
            metadata: ["instance": "\(instanceID)"]
        )
        let parts = template.split(separator: marker, maxSplits: 1, omittingEmptySubsequences: false)
        afterTimestamp = Array(parts[0].utf8)
        afterMessage = Array(parts[1].utf8) + [UInt8(ascii: "\n")]
    }

    /// Appends the line for `message` (`GET /health 200 0.21ms`) stamped `timestamp`, newline included.
    func write(_ message: String, timestamp: String, into buffer: inout ByteBuffer) {
        buffer.writeString(timestamp)
        buffer.writeBytes(afterTimestamp)
        buffer.writeString(message)
        buffer.writeBytes(afterMessage)
    }
}
