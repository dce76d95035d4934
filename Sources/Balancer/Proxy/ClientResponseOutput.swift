import BalancerCore
import NIOCore

/// How the response in progress goes out to the client: its body framing, and the head (with small body parts
/// behind it) held back until the upstream's read burst ends, so a typical response leaves in one write.
///
/// Mechanics only: what to write and when is decided by `ProxyStateMachine`. Confined to the client connection's
/// event loop, like the handler that owns it.
struct ClientResponseOutput {
    /// Body parts up to this size are copied behind a response head still waiting to be written.
    static var coalescedPartLimit: Int { 4096 }

    /// How the response body in progress is framed towards the client.
    private(set) var framing = HTTP1OutgoingFraming.raw
    /// The response head (and small body parts behind it) not written yet.
    private var held: ByteBuffer?

    /// A response head to write at the latest when the read burst ends; `framing` applies to its body.
    mutating func holdHead(_ head: ByteBuffer, framing: HTTP1OutgoingFraming) {
        self.framing = framing
        held = head
    }

    /// Writes `part` in the response's framing, joined to the held head when small enough.
    mutating func writeBodyPart(_ part: ByteBuffer, on context: ChannelHandlerContext) {
        if var output = held, part.readableBytes <= Self.coalescedPartLimit {
            held = nil
            if case .chunked = framing {
                guard part.readableBytes > 0 else {
                    held = output
                    return
                }
                HTTP1Encoder.writeChunkHeader(size: part.readableBytes, into: &output)
                output.writeImmutableBuffer(part)
                output.writeStaticString(HTTP1Encoder.chunkTrailer)
            } else {
                output.writeImmutableBuffer(part)
            }
            held = output
            return
        }
        writeHeld(on: context)
        context.writeBodyPart(part, framing: framing)
    }

    /// Writes the bytes held back, if any.
    mutating func writeHeld(on context: ChannelHandlerContext) {
        guard let output = held else { return }
        held = nil
        context.write(NIOAny(output), promise: nil)
    }

    /// Writes what ends the response body, together with any bytes still held back; returns the buffer those went
    /// out in (the head's), which can serve a later head once it is flushed.
    @discardableResult
    mutating func writeEnd(on context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) -> ByteBuffer? {
        guard var output = held else {
            context.writeBodyEnd(framing: framing, promise: promise)
            return nil
        }
        held = nil
        if case .chunked = framing { output.writeStaticString(HTTP1Encoder.lastChunk) }
        context.write(NIOAny(output), promise: promise)
        return output
    }
}
