import BalancerCore
import NIOCore

extension AccessLogEntry {
    /// The fields after the request line, in line order: the combined format writes them as nginx's `$status
    /// $body_bytes_sent "$http_referer" "$http_user_agent"` followed by `name=value` pairs, the JSON format as
    /// members. Listed once, so the two formats cannot drift apart.
    enum Field: CaseIterable {
        case status, bodyBytesSent, referer, userAgent, upstreamAddress, upstreamStatus, requestTime, requestID

        /// What each format writes before the value.
        var prefixes: (combined: StaticString, json: StaticString) {
            switch self {
            case .status: (" ", ",\"status\":")
            case .bodyBytesSent: (" ", ",\"body_bytes_sent\":")
            case .referer: (" ", ",\"referer\":")
            case .userAgent: (" ", ",\"user_agent\":")
            case .upstreamAddress: (" upstream=", ",\"upstream_addr\":")
            case .upstreamStatus: (" upstream_status=", ",\"upstream_status\":")
            case .requestTime: (" request_time=", ",\"request_time\":")
            case .requestID: (" request_id=", ",\"request_id\":")
            }
        }
    }

    /// A field's value by kind, which decides how each format writes it and what it writes when the value is absent.
    enum Value {
        /// Text the client chose: escaped and quoted in both formats; `"-"` in combined, `""` in JSON when absent.
        case clientText(String?)
        /// Text the balancer made: as is in combined, quoted in JSON; `-` or `null` when absent.
        case text(String?)
        /// The request's id, written as `text` is.
        case id(RequestID)
        /// A whole number; `-` or `null` when absent.
        case number(Int64?)
        /// Microseconds, written as seconds with millisecond precision.
        case seconds(Int64)
    }

    func value(of field: Field) -> Value {
        switch field {
        case .status: .number(Int64(status))
        case .bodyBytesSent: .number(bodyBytesSent)
        case .referer: .clientText(referer)
        case .userAgent: .clientText(userAgent)
        case .upstreamAddress: .text(upstream?.address)
        case .upstreamStatus: .number(upstream?.status.map { Int64($0) })
        case .requestTime: .seconds(requestTimeMicros)
        case .requestID: .id(requestID)
        }
    }

    /// The fields after the request line as `format` writes them. The formats differ only in what they write for
    /// an absent value and in quoting the balancer's own text, which JSON needs and nginx's format does not.
    func writeFields(_ format: LogFormat, into buffer: inout ByteBuffer) {
        let json = format == .json
        for field in Field.allCases {
            buffer.writeStaticString(json ? field.prefixes.json : field.prefixes.combined)
            switch value(of: field) {
            case .clientText(let text):
                buffer.writeStaticString("\"")
                AccessLogEntry.writeEscaped(text ?? (json ? "" : "-"), into: &buffer)
                buffer.writeStaticString("\"")
            case .text(let text?) where json:
                buffer.writeStaticString("\"")
                buffer.writeString(text)
                buffer.writeStaticString("\"")
            case .text(let text?):
                buffer.writeString(text)
            case .id(let id) where json:
                buffer.writeStaticString("\"")
                id.write(into: &buffer)
                buffer.writeStaticString("\"")
            case .id(let id):
                id.write(into: &buffer)
            case .number(let number?) where number >= 0:
                buffer.writeDecimal(number)
            case .number(let number?):
                buffer.writeString(String(number))
            case .text(nil), .number(nil):
                buffer.writeStaticString(json ? "null" : "-")
            case .seconds(let micros):
                AccessLogEntry.writeSeconds(micros, into: &buffer)
            }
        }
    }
}
