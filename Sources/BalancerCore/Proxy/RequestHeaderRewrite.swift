import Shared

/// A route's `request_headers` prepared once per snapshot for the forwarding pass: the names whose received lines
/// are dropped (every name set or removed) and the `set` lines written in their place, ready to copy.
package struct RequestHeaderRewrite: Sendable {
    /// Lower-cased names of the lines not copied from the client's head.
    private let names: [[UInt8]]
    /// `Name: value CRLF` for every `set`, in file order.
    package let lines: [UInt8]

    package init(_ edits: RequestHeaderEdits) {
        names = (edits.set.map { $0.name.lowercased() } + edits.remove).map { Array($0.utf8) }
        lines = edits.set.flatMap { Array("\($0.name): \($0.value)\r\n".utf8) }
    }

    /// Whether a received line named `name` (any case) is replaced or removed.
    @inline(__always)
    package func drops(_ name: UnsafeRawBufferPointer) -> Bool {
        names.contains { HTTPBytes.equalsIgnoringCase(name, $0) }
    }
}
