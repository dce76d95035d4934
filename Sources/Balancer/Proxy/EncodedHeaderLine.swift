import Shared

/// A configured header (`response_headers`) prepared once per snapshot for the hot path: the whole
/// `Name: value CRLF` line ready to copy, and the name lower-cased to compare with names as received.
struct EncodedHeaderLine: Sendable {
    let name: String
    let value: String
    let lowercasedName: [UInt8]
    let line: [UInt8]

    init(name: String, value: String) {
        self.name = name
        self.value = value
        self.lowercasedName = Array(name.lowercased().utf8)
        self.line = Array("\(name): \(value)\r\n".utf8)
    }

    /// Whether `name` (as received, any case) is this header's name.
    @inline(__always)
    func matches(_ name: UnsafeRawBufferPointer) -> Bool {
        HTTPBytes.equalsIgnoringCase(name, lowercasedName)
    }
}
