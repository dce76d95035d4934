import BalancerCore
import NIOCore
import NIOHTTP1
import Shared

/// Writes the head of a file response from its plan: validators, type, length or range, coding, caching, `Vary`,
/// then the configured headers (and the listener's `Strict-Transport-Security`), the request id and the
/// connection's fate. The framing line comes from `HTTP1Framing`, as for every other response the balancer writes.
enum StaticResponseHead {
    /// `fixedLines` writes the lines from `Content-Type` to `Cache-Control` (`writeFixedLines`, or a prepared
    /// answer's copy of them).
    static func write(
        _ sending: StaticSending,
        version: HTTPVersion,
        keepAlive: Bool,
        requestID: RequestID,
        snapshot: ProxySnapshot,
        dates: HTTPDateCache,
        connectionHeader: EncodedHeaderLine? = nil,
        into out: inout ByteBuffer,
        fixedLines: (inout ByteBuffer) -> Void
    ) {
        let isHTTP10 = version.major == 1 && version.minor == 0
        out.writeStaticString(isHTTP10 ? "HTTP/1.0 " : "HTTP/1.1 ")
        out.writeDecimal(Int64(sending.status.code))
        out.writeStaticString(" ")
        out.writeString(sending.status.reasonPhrase)
        out.writeStaticString("\r\nServer: balancer\r\nDate: ")
        out.writeString(dates.httpDate)
        out.writeStaticString("\r\n")
        fixedLines(&out)
        if let seconds = sending.expiresIn {
            out.writeStaticString("Expires: ")
            out.writeString(dates.httpDate(secondsFromNow: seconds))
            out.writeStaticString("\r\n")
        }
        out.writeBytes(snapshot.responseHeaderBlock)
        if let connectionHeader { out.writeBytes(connectionHeader.line) }
        out.writeStaticString("X-Request-ID: ")
        requestID.write(into: &out)
        out.writeStaticString("\r\n")
        if !keepAlive {
            out.writeStaticString("Connection: close\r\n")
        } else if isHTTP10 {
            out.writeStaticString("Connection: keep-alive\r\n")
        }
        out.writeStaticString("\r\n")
    }

    /// The lines of the head that follow from the plan alone, from `Content-Type` to `Cache-Control`: what a
    /// prepared answer keeps, the same for every request it answers.
    static func writeFixedLines(_ plan: borrowing StaticResponsePlan, contentLength: Int64?, into out: inout ByteBuffer) {
        if plan.status != .notModified {
            out.writeStaticString("Content-Type: ")
            out.writeString(plan.contentType)
            out.writeStaticString("\r\n")
            contentLength.map { HTTP1Framing.contentLength($0) }?.writeLine(into: &out)
        }
        out.writeStaticString("Last-Modified: ")
        out.writeString(plan.lastModifiedText)
        out.writeStaticString("\r\nETag: ")
        out.writeString(plan.etag.description)
        out.writeStaticString("\r\n")
        if plan.acceptRanges && plan.status != .notModified { out.writeStaticString("Accept-Ranges: bytes\r\n") }
        switch plan.encoding {
        case .identity: break
        case .sidecar(let coding):
            out.writeStaticString("Content-Encoding: ")
            out.writeString(coding.rawValue)
            out.writeStaticString("\r\n")
        case .gzipOnTheFly:
            out.writeStaticString("Content-Encoding: gzip\r\n")
        }
        if let range = plan.contentRange {
            out.writeStaticString("Content-Range: ")
            out.writeString(range)
            out.writeStaticString("\r\n")
        }
        if plan.vary { out.writeStaticString("Vary: Accept-Encoding\r\n") }
        if let cacheControl = plan.cache.cacheControl {
            out.writeStaticString("Cache-Control: ")
            out.writeString(cacheControl)
            out.writeStaticString("\r\n")
        }
    }
}
