import Shared

/// A configured header (`response_headers`) prepared once per snapshot for the hot path: the whole
/// `Name: value CRLF` line ready to copy, and the name lower-cased to compare with names as received.
package struct EncodedHeaderLine: Sendable {
    package let lowercasedName: [UInt8]
    package let line: [UInt8]

    package init(name: String, value: String) {
        self.lowercasedName = Array(name.lowercased().utf8)
        self.line = Array("\(name): \(value)\r\n".utf8)
    }

    /// Whether `name` (as received, any case) is this header's name.
    @inline(__always)
    package func matches(_ name: UnsafeRawBufferPointer) -> Bool {
        HTTPBytes.equalsIgnoringCase(name, lowercasedName)
    }
}
