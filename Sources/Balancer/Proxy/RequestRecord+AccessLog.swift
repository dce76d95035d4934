import BalancerCore
import NIOCore

extension RequestRecord {
    /// The access-log line's fields for this request, answered to `clientAddress`, ending at `now`.
    func accessLogEntry(clientAddress: String, now: NIODeadline) -> AccessLogEntry {
        AccessLogEntry(
            clientAddress: clientAddress,
            request: head.map(Self.requestLine),
            status: status,
            bodyBytesSent: bytesSent,
            referer: head?.first(.referer),
            userAgent: head?.first(.userAgent),
            upstream: upstreamServer.map { AccessLogEntry.Upstream(address: $0.name, status: upstreamStatus) },
            requestTimeMicros: (now - start).nanoseconds / 1000,
            requestID: requestID
        )
    }

    private static func requestLine(_ head: HTTP1RequestHead) -> AccessLogEntry.RequestLine {
        AccessLogEntry.RequestLine(
            method: head.method.rawValue,
            uri: head.uri,
            version: head.version.major == 1 && head.version.minor == 0 ? "HTTP/1.0" : "HTTP/1.1"
        )
    }
}
