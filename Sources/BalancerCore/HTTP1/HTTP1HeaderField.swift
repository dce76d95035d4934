import NIOCore

/// One header line of a received head: where its name and value sit in the head's bytes, and which name the proxy
/// knows it as (classified once, while parsing).
package struct HTTP1HeaderField {
    package var kind: HeaderName
    package var name: Range<Int>
    /// Without the whitespace around it.
    package var value: Range<Int>

    /// The whole line as received, name to the end of the value (what forwarding copies).
    @inline(__always)
    package var line: Range<Int> { name.lowerBound..<value.upperBound }

    /// Writes the line and a CRLF into `out`. When the value runs up to the line's own CRLF in `source` (no trailing
    /// whitespace, the usual case), the two leave in one copy; the bytes written are the same either way.
    @inlinable
    package func writeLine(from source: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        let end = value.upperBound
        if end + 1 < source.count, source[end] == HTTP1Bytes.cr, source[end + 1] == HTTP1Bytes.lf {
            out.writeBytes(UnsafeRawBufferPointer(rebasing: source[name.lowerBound..<end + 2]))
        } else {
            out.writeBytes(UnsafeRawBufferPointer(rebasing: source[line]))
            out.writeStaticString("\r\n")
        }
    }
}
