import NIOCore
import NIOHTTP1

/// A response head as the upstream sent it: version, status and every header line located in the received bytes and
/// classified once. The proxy forwards most lines byte for byte, so nothing becomes a `String` unless asked for.
struct HTTP1ResponseHead {
    typealias Field = HTTP1HeaderField

    var version: HTTPVersion
    var status: Int
    /// The reason phrase's position in `bytes` (may be empty).
    var reason: Range<Int>
    var fields: [Field]
    /// The whole head, status line to the empty line; offsets above are from its reader index. A view of the
    /// received buffer, not a copy.
    var bytes: ByteBuffer
    /// Bytes already received behind the head (the start of the body, usually all of a small one).
    var bufferedBodyBytes = 0
    /// The tokens of the `Connection` headers that decide keep-alive, and whether they name other headers (which
    /// are then hop-by-hop too).
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionListsNames = false

    /// Whether the upstream lets the connection be reused after this response (RFC 9112 §9.3).
    var isKeepAlive: Bool {
        HTTP1HeadParser.keepsAlive(version, close: connectionClose, keepAlive: connectionKeepAlive)
    }

    func value(of field: Field) -> String {
        bytes.getString(at: bytes.readerIndex + field.value.lowerBound, length: field.value.count) ?? ""
    }

    /// The values of every field of `kind`, in order (for the rare paths that need them as text).
    func values(of kind: HeaderName) -> [String] {
        fields.filter { $0.kind == kind }.map { value(of: $0) }
    }

    /// The names listed in `Connection` besides `close` and `keep-alive`, lower-cased.
    var connectionListedNames: [String] {
        guard connectionListsNames else { return [] }
        return HopByHopHeaders.listedNames(inValues: values(of: .connection))
    }
}
