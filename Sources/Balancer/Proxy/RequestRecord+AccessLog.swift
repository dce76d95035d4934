import BalancerCore
import NIOCore

extension RequestRecord {
    /// The access-log line's fields for this request, answered to `clientAddress`, ending at `now`. The request is
    /// over: its head is taken out of the record (as `release()` would), so reading it copies nothing, and its list
    /// of lines goes to `lists` for the next heads.
    mutating func takeAccessLogEntry(
        clientAddress: String,
        now: NIODeadline,
        recycling lists: inout HTTP1FieldListPool
    ) -> AccessLogEntry {
        var entry = AccessLogEntry(
            clientAddress: clientAddress,
            request: nil,
            status: status,
            bodyBytesSent: bytesSent,
            referer: nil,
            userAgent: nil,
            upstream: upstreamServer.map { AccessLogEntry.Upstream(address: $0.name, status: upstreamStatus) },
            requestTimeMicros: (now - start).nanoseconds / 1000,
            requestID: requestID
        )
        // Taken, not bound: binding the stored head would copy it, and each optional chain on it once more.
        guard let head = head.take() else { return entry }
        entry.request = AccessLogEntry.RequestLine(
            method: head.method.rawValue,
            uri: head.uri,
            version: head.version.major == 1 && head.version.minor == 0 ? "HTTP/1.0" : "HTTP/1.1"
        )
        for field in head.fields {
            switch field.kind {
            case .referer where entry.referer == nil: entry.referer = head.value(of: field)
            case .userAgent where entry.userAgent == nil: entry.userAgent = head.value(of: field)
            default: continue
            }
        }
        lists.recycle(head.fields)
        return entry
    }
}
