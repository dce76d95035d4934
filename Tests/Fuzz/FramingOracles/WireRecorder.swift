import NIOCore
import NIOEmbedded

/// A channel whose writes are kept instead of sent: it gives the oracles the `ChannelHandlerContext` the balancer's
/// body framing writes through (`writeBodyPart`, `writeBodyEnd`), so the bytes checked are the bytes those
/// functions produce, not a re-implementation of them.
final class WireRecorder {
    /// Only there to be handed a context by the pipeline.
    private final class ContextHolder: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var context: ChannelHandlerContext?

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        /// The context references this handler: letting go of it when the channel closes frees both.
        func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
        }
    }

    private let channel = EmbeddedChannel()
    let context: ChannelHandlerContext

    init() {
        let holder = ContextHolder()
        // Adding a handler to a fresh embedded channel cannot fail, and it hands over its context synchronously.
        try! channel.pipeline.syncOperations.addHandler(holder)
        context = holder.context!
    }

    deinit {
        // An open pipeline and its handlers reference each other; closing the channel breaks that cycle.
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    func write(_ bytes: ByteBuffer) {
        context.write(NIOAny(bytes), promise: nil)
    }

    /// Everything written since the last call, in order, as one buffer.
    func take() -> ByteBuffer {
        context.flush()
        var all = ByteBuffer()
        while let part = try? channel.readOutbound(as: ByteBuffer.self) {
            all.writeImmutableBuffer(part)
        }
        return all
    }
}
