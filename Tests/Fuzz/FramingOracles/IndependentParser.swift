import NIOCore
import NIOEmbedded
import NIOHTTP1

/// NIOHTTP1's decoder (llhttp underneath) on an embedded channel: the second opinion on what bytes on a
/// connection mean. It shares no code with the balancer's HTTP/1 parser, so where the two read a stream
/// differently, one of them frames messages wrongly.
final class IndependentParser<Head: Equatable & Sendable> {
    /// One message as this parser read it.
    struct Message {
        var head: Head
        var body = ByteBuffer()
        var isComplete = false
    }

    private let channel = EmbeddedChannel()
    private(set) var messages: [Message] = []
    /// The first error the decoder raised; nothing is read after it.
    private(set) var error: (any Error)?

    init<Decoder: ByteToMessageDecoder>(_ decoder: Decoder) where Decoder.InboundOut == HTTPPart<Head, ByteBuffer> {
        // A fresh embedded channel accepts a handler synchronously and cannot refuse it.
        try! channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
    }

    deinit {
        // Closes the channel when an error ended reading before `close()`: an open pipeline and its handlers
        // reference each other and would never be freed.
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    /// Passes an outbound message through the pipeline, e.g. a request head so a response decoder knows the method.
    func announce(_ outbound: HTTPClientRequestPart) {
        channel.write(outbound, promise: nil)
        channel.flush()
    }

    /// Bytes arriving on the connection.
    func receive(_ bytes: ByteBuffer) {
        guard error == nil, bytes.readableBytes > 0 else { return }
        do {
            try channel.writeInbound(bytes)
        } catch {
            self.error = error
        }
        collect()
    }

    /// The connection ends: a message delimited by the close ends now; one cut short is an error.
    func close() {
        guard error == nil else { return }
        do {
            _ = try channel.finish(acceptAlreadyClosed: true)
        } catch {
            self.error = error
        }
        collect()
    }

    private func collect() {
        while let part = try? channel.readInbound(as: HTTPPart<Head, ByteBuffer>.self) {
            switch part {
            case .head(let head):
                messages.append(Message(head: head))
            case .body(var bytes):
                messages[messages.count - 1].body.writeBuffer(&bytes)
            case .end:
                messages[messages.count - 1].isComplete = true
            }
        }
    }
}
