import NIOCore
import NIOHTTP1

/// What request and response heads as received have in common: their bytes, the header lines located in them,
/// and what their `Connection` headers say. The rare paths that need a value as text read it from here.
package protocol HTTP1ReceivedHead {
    var version: HTTPVersion { get }
    var fields: [HTTP1HeaderField] { get }
    /// The head's bytes as received (a view, no copy), set by the head reader; the fields' ranges point into it.
    var bytes: ByteBuffer { get set }
    var connection: HTTP1ConnectionTokens { get }
}

// `@inlinable`: the runtime calls these on every request head from another module; inlined there, they are
// specialised for the concrete head type and capture nothing on the heap.
extension HTTP1ReceivedHead {
    /// Whether the sender lets the connection stay open after this message.
    @inlinable package var isKeepAlive: Bool { connection.keepsAlive(version) }

    @inlinable package func value(of field: HTTP1HeaderField) -> String {
        bytes.getString(at: bytes.readerIndex + field.value.lowerBound, length: field.value.count) ?? ""
    }

    /// The first value of a header of `kind`, as text.
    @inlinable package func first(_ kind: HeaderName) -> String? {
        guard let field = fields.first(where: { $0.kind == kind }) else { return nil }
        return value(of: field)
    }

    /// The values of every field of `kind`, in order.
    @inlinable package func values(of kind: HeaderName) -> [String] {
        fields.filter { $0.kind == kind }.map(value(of:))
    }

    /// Calls `body` with every received header line that may cross to the next hop, in order: never the framing
    /// headers (the caller writes framing from `HTTP1Framing`), never a hop-by-hop header (except `Upgrade` when
    /// `keepUpgrade`), never a name `Connection` lists unless it is protected (framing headers and `Host`).
    /// Every writer of a forwarded head goes through here, so none can copy what would reframe the message.
    @inlinable package func forEachForwardedField(keepUpgrade: Bool, _ body: (HTTP1HeaderField, UnsafeRawBufferPointer) -> Void) {
        // Names listed in `Connection` are rare; only then are they read as text.
        let listed = connectionListedNames
        bytes.withUnsafeReadableBytes { source in
            for field in fields {
                let kind = field.kind
                if kind.isFraming { continue }
                if kind.isHopByHop && !(keepUpgrade && kind == .upgrade) { continue }
                if !listed.isEmpty, !kind.isProtectedFromConnection, !(keepUpgrade && kind == .upgrade),
                    HopByHopHeaders.isListed(UnsafeRawBufferPointer(rebasing: source[field.name]), in: listed)
                {
                    continue
                }
                body(field, source)
            }
        }
    }

    /// The names listed in `Connection` besides `close` and `keep-alive`, lower-cased; empty (and nothing read as
    /// text) when there are none.
    @inlinable package var connectionListedNames: [String] {
        guard connection.listsNames else { return [] }
        return HopByHopHeaders.listedNames(inValues: values(of: .connection))
    }
}
