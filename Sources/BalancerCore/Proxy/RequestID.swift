import NIOCore

/// The id of a request, sent upstream and back to the client as `X-Request-ID` and written to the access log: the
/// client's own when it sent a sane one, otherwise one the balancer makes from its event loop's random prefix and a
/// counter (32 hex digits, nginx's `$request_id` length).
///
/// A made id is kept as its two numbers and written as hex digits straight into the buffer that carries it: naming
/// a request allocates nothing, where a 32-character `String` would be a heap object per request.
package struct RequestID: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    private enum Storage: Sendable, Hashable {
        case none
        case made(prefix: UInt64, counter: UInt64)
        case given(String)
    }

    private var storage: Storage

    /// No id yet (a connection between requests).
    package static let none = RequestID(storage: .none)

    private init(storage: Storage) {
        self.storage = storage
    }

    /// An id as text (the client's, or a test's); empty text is no id.
    package init(_ text: String) {
        storage = text.isEmpty ? .none : .given(text)
    }

    package init(stringLiteral text: String) {
        self.init(text)
    }

    /// The id a loop makes: its prefix then the counter, each as 16 lower-case hex digits.
    package static func made(prefix: UInt64, counter: UInt64) -> RequestID {
        RequestID(storage: .made(prefix: prefix, counter: counter))
    }

    package var isEmpty: Bool {
        if case .none = storage { return true }
        return false
    }

    /// How many bytes `write(into:)` writes.
    package var byteCount: Int {
        switch storage {
        case .none: 0
        case .made: 32
        case .given(let text): text.utf8.count
        }
    }

    /// Appends the id's text to `buffer`.
    package func write(into buffer: inout ByteBuffer) {
        switch storage {
        case .none:
            break
        case .made(let prefix, let counter):
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 32) { out in
                Self.writeHex(prefix, into: out, at: 0)
                Self.writeHex(counter, into: out, at: 16)
                return 32
            }
        case .given(let text):
            buffer.writeString(text)
        }
    }

    package var description: String {
        switch storage {
        case .none:
            return ""
        case .made:
            var buffer = ByteBuffer()
            write(into: &buffer)
            return buffer.readString(length: buffer.readableBytes) ?? ""
        case .given(let text):
            return text
        }
    }

    /// `value` as 16 hex digits, most significant first, at `offset` of `out`.
    private static func writeHex(_ value: UInt64, into out: UnsafeMutableRawBufferPointer, at offset: Int) {
        let digits: StaticString = "0123456789abcdef"
        for i in 0..<16 {
            out[offset + 15 - i] = digits.utf8Start[Int((value >> (4 * UInt64(i))) & 0xF)]
        }
    }
}
