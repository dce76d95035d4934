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
}
