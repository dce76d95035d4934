import BalancerCore
import NIOCore

/// What one access-log line says about a request.
struct AccessLogEntry {
    /// The request line as the client sent it.
    struct RequestLine {
        var method: String
        var uri: String
        /// `HTTP/1.0` or `HTTP/1.1`.
        var version: String
    }

    /// The server a request was passed to: present only when one was chosen.
    struct Upstream {
        /// The server's display name, nginx's `$upstream_addr`.
        var address: String
        /// nil when the server gave no response head (refused, reset, timed out).
        var status: Int?
    }

    var clientAddress: String
    /// nil for an answer to bytes that never made a request head (a malformed request line, a header timeout):
    /// the line then says `"-"` for the request, as nginx's, instead of naming a request it did not get.
    var request: RequestLine?
    var status: Int
    var bodyBytesSent: Int64
    var referer: String?
    var userAgent: String?
    var upstream: Upstream?
    /// Microseconds from request head to the response's last byte.
    var requestTimeMicros: Int64
    var requestID: RequestID
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
        if let request {
            AccessLogEntry.writeEscaped(request.method, into: &buffer)
            buffer.writeStaticString(" ")
            AccessLogEntry.writeEscaped(request.uri, into: &buffer)
            buffer.writeStaticString(" ")
            buffer.writeString(request.version)
        } else {
            buffer.writeStaticString("-")
        }
        buffer.writeStaticString("\"")
        writeFields(.combined, into: &buffer)
        buffer.writeStaticString("\n")
    }

    /// One JSON object per line, same fields.
    func writeJSON(into buffer: inout ByteBuffer, isoTime: String) {
        buffer.writeStaticString("{\"time\":\"")
        buffer.writeString(isoTime)
        buffer.writeStaticString("\",\"remote_addr\":\"")
        AccessLogEntry.writeEscaped(clientAddress, into: &buffer)
        buffer.writeStaticString("\",\"method\":\"")
        AccessLogEntry.writeEscaped(request?.method ?? "-", into: &buffer)
        buffer.writeStaticString("\",\"uri\":\"")
        AccessLogEntry.writeEscaped(request?.uri ?? "-", into: &buffer)
        buffer.writeStaticString("\",\"protocol\":\"")
        buffer.writeString(request?.version ?? "-")
        buffer.writeStaticString("\"")
        writeFields(.json, into: &buffer)
        buffer.writeStaticString("}\n")
    }

    /// Seconds with millisecond precision (`0.003`), as nginx's `$request_time`.
    static func writeSeconds(_ micros: Int64, into buffer: inout ByteBuffer) {
        let millis = max(0, micros) / 1000
        buffer.writeDecimal(millis / 1000)
        buffer.writeStaticString(".")
        let frac = millis % 1000
        if frac < 100 { buffer.writeStaticString("0") }
        if frac < 10 { buffer.writeStaticString("0") }
        buffer.writeDecimal(frac)
    }

    /// Copies `text`, escaping `"`, `\` and control or non-ASCII bytes as `\xHH` (nginx's escaping), so a client
    /// cannot forge log lines or break the JSON.
    static func writeEscaped(_ text: String, into buffer: inout ByteBuffer) {
        var clean = true
        for byte in text.utf8 where byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C {
            clean = false
            break
        }
        if clean {
            buffer.writeString(text)
            return
        }
        // Only a value with such a byte gets here; the usual one was copied whole above.
        let hex: StaticString = "0123456789ABCDEF"
        for byte in text.utf8 {
            if byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C {
                buffer.writeStaticString("\\x")
                buffer.writeInteger(hex.utf8Start[Int(byte >> 4)])
                buffer.writeInteger(hex.utf8Start[Int(byte & 0xF)])
            } else {
                buffer.writeInteger(byte)
            }
        }
    }
}
