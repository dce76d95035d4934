import NIOCore

/// What a decoder hands its connection: a head, a piece of body, or the end of a message.
package enum HTTP1Event<Head> {
    case head(Head)
    case body(ByteBuffer)
    case end
}

/// Bytes received on a connection and not yet decoded. Most reads arrive when nothing is pending, so the incoming
/// buffer is simply kept (no copy); only a partial message makes it append.
package struct HTTP1InputBuffer {
    package private(set) var buffer: ByteBuffer?
    /// Handed out when nothing is pending; allocated once per connection.
    private let empty = ByteBuffer()

    @inlinable package var readableBytes: Int { buffer?.readableBytes ?? 0 }

    package mutating func append(_ bytes: ByteBuffer) {
        guard var existing = buffer, existing.readableBytes > 0 else {
            buffer = bytes
            return
        }
        buffer = nil  // the only reference left is `existing`, so appending to it does not copy the storage
        var incoming = bytes
        existing.writeBuffer(&incoming)
        buffer = existing
    }

    /// Everything not decoded yet, handed over when the connection becomes a tunnel.
    package mutating func takeAll() -> ByteBuffer? {
        defer { buffer = nil }
        guard let buffer, buffer.readableBytes > 0 else { return nil }
        return buffer
    }

    /// Takes the pending bytes out for decoding (an empty buffer when there are none: a message can still end
    /// without bytes, e.g. after a head without body); `checkIn` puts back what is left. Taking them out keeps the
    /// storage uniquely referenced while the decoder reads it.
    package mutating func checkOut() -> ByteBuffer {
        defer { buffer = nil }
        return buffer ?? empty
    }

    /// Puts back what is left after decoding. Nothing left means nothing kept: holding an empty view would keep
    /// the channel's receive buffer referenced, and the channel would then allocate a new one for every read.
    package mutating func checkIn(_ rest: ByteBuffer) {
        buffer = rest.readableBytes > 0 ? rest : nil
    }
}

extension HTTP1BodyDecoder {
    /// The next body event as a message event.
    package mutating func nextEvent<Head>(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> HTTP1Event<Head>? {
        switch try next(&buffer) {
        case .data(let part): return .body(part)
        case .end: return .end
        case nil: return nil
        }
    }
}
