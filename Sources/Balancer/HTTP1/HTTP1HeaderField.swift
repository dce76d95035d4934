/// One header line of a received head: where its name and value sit in the head's bytes, and which name the proxy
/// knows it as (classified once, while parsing).
struct HTTP1HeaderField {
    var kind: HeaderName
    var name: Range<Int>
    /// Without the whitespace around it.
    var value: Range<Int>

    /// The whole line as received, name to the end of the value (what forwarding copies).
    @inline(__always)
    var line: Range<Int> { name.lowerBound..<value.upperBound }
}
