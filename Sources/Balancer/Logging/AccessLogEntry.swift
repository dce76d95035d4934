import BalancerCore
import NIOCore

/// What one access-log line says about a request.
struct AccessLogEntry {
    var clientAddress: String
    var method: String
    var uri: String
    var version: String
    var status: Int
    var bodyBytesSent: Int64
    var referer: String?
    var userAgent: String?
    var upstreamAddress: String?
    var upstreamStatus: Int?
    /// Microseconds from request head to the response's last byte.
    var requestTimeMicros: Int64
    var requestID: String
    /// False for an answer to bytes that never made a request head (a malformed request line, a header timeout):
    /// the line then says `"-"` for the request, as nginx's, instead of naming a request it did not get.
    var hasRequest = true
}

extension AccessLogEntry {
    /// nginx's `combined` format followed by the upstream fields:
    /// `ip - - [time] "GET / HTTP/1.1" 200 12 "referer" "agent" upstream=… upstream_status=… request_time=…
    /// request_id=…` (one line).
    func writeCombined(into buffer: inout ByteBuffer, localTime: String) {
        buffer.writeString(clientAddress)
        buffer.writeStaticString(" - - [")
        buffer.writeString(localTime)
        buffer.writeStaticString("] \"")
        if hasRequest {
            AccessLogEntry.writeEscaped(method, into: &buffer)
            buffer.writeStaticString(" ")
            AccessLogEntry.writeEscaped(uri, into: &buffer)
            buffer.writeStaticString(" ")
            buffer.writeString(version)
        } else {
            buffer.writeStaticString("-")
        }
        buffer.writeStaticString("\" ")
        buffer.writeString(String(status))
        buffer.writeStaticString(" ")
        buffer.writeString(String(bodyBytesSent))
        buffer.writeStaticString(" \"")
        AccessLogEntry.writeEscaped(referer ?? "-", into: &buffer)
        buffer.writeStaticString("\" \"")
        AccessLogEntry.writeEscaped(userAgent ?? "-", into: &buffer)
        buffer.writeStaticString("\" upstream=")
        buffer.writeString(upstreamAddress ?? "-")
        buffer.writeStaticString(" upstream_status=")
        buffer.writeString(upstreamStatus.map { String($0) } ?? "-")
        buffer.writeStaticString(" request_time=")
        AccessLogEntry.writeSeconds(requestTimeMicros, into: &buffer)
        buffer.writeStaticString(" request_id=")
        buffer.writeString(requestID)
        buffer.writeStaticString("\n")
    }

    /// One JSON object per line, same fields.
    func writeJSON(into buffer: inout ByteBuffer, isoTime: String) {
        buffer.writeStaticString("{\"time\":\"")
        buffer.writeString(isoTime)
        buffer.writeStaticString("\",\"remote_addr\":\"")
        AccessLogEntry.writeEscaped(clientAddress, into: &buffer)
        buffer.writeStaticString("\",\"method\":\"")
        AccessLogEntry.writeEscaped(hasRequest ? method : "-", into: &buffer)
        buffer.writeStaticString("\",\"uri\":\"")
        AccessLogEntry.writeEscaped(hasRequest ? uri : "-", into: &buffer)
        buffer.writeStaticString("\",\"protocol\":\"")
        buffer.writeString(hasRequest ? version : "-")
        buffer.writeStaticString("\",\"status\":")
        buffer.writeString(String(status))
        buffer.writeStaticString(",\"body_bytes_sent\":")
        buffer.writeString(String(bodyBytesSent))
        buffer.writeStaticString(",\"referer\":\"")
        AccessLogEntry.writeEscaped(referer ?? "", into: &buffer)
        buffer.writeStaticString("\",\"user_agent\":\"")
        AccessLogEntry.writeEscaped(userAgent ?? "", into: &buffer)
        buffer.writeStaticString("\",\"upstream_addr\":")
        if let upstreamAddress {
            buffer.writeStaticString("\"")
            buffer.writeString(upstreamAddress)
            buffer.writeStaticString("\"")
        } else {
            buffer.writeStaticString("null")
        }
        buffer.writeStaticString(",\"upstream_status\":")
        buffer.writeString(upstreamStatus.map { String($0) } ?? "null")
        buffer.writeStaticString(",\"request_time\":")
        AccessLogEntry.writeSeconds(requestTimeMicros, into: &buffer)
        buffer.writeStaticString(",\"request_id\":\"")
        buffer.writeString(requestID)
        buffer.writeStaticString("\"}\n")
    }

    /// Seconds with millisecond precision (`0.003`), as nginx's `$request_time`.
    static func writeSeconds(_ micros: Int64, into buffer: inout ByteBuffer) {
        let millis = max(0, micros) / 1000
        buffer.writeString(String(millis / 1000))
        buffer.writeStaticString(".")
        let frac = millis % 1000
        if frac < 100 { buffer.writeStaticString("0") }
        if frac < 10 { buffer.writeStaticString("0") }
        buffer.writeString(String(frac))
    }

    /// Copies `text`, escaping `"`, `\` and control or non-ASCII bytes as `\xHH` (nginx's escaping), so a client
    /// cannot forge log lines or break the JSON.
    static func writeEscaped(_ text: String, into buffer: inout ByteBuffer) {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var clean = true
        for byte in text.utf8 where byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C {
            clean = false
            break
        }
        if clean {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            if byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C {
                buffer.writeBytes([0x5C, 0x78, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            } else {
                buffer.writeInteger(byte)
            }
        }
    }
}
