import NIOCore
import NIOHTTP1

/// What an upstream connection reports to the client connection currently using it. Same event loop, direct calls.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstreamResponseHead(_ head: HTTP1ResponseHead)
    func upstreamResponseBody(_ part: ByteBuffer)
    func upstreamResponseEnd(keepAlive: Bool)
    /// Bytes from the upstream after a 101: passed to the client untouched.
    func upstreamTunnelData(_ bytes: ByteBuffer)
    func upstreamReadComplete()
    /// The connection failed or closed before the response was complete.
    func upstreamFailed(_ failure: ProxyStateMachine.AttemptFailure)
    func upstreamWritabilityChanged(isWritable: Bool)
    /// Whether the client side can take more response bytes now (backpressure).
    var clientIsWritable: Bool { get }
}

/// The last handler of an upstream connection's pipeline: relays response parts to its current delegate, holds
/// reads while the client cannot take more (backpressure), and enforces `read_timeout`.
///
/// An idle connection has no delegate and sits in its event loop's `UpstreamConnectionPool`; if the upstream closes
/// it there, it removes itself from the pool.
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: UpstreamServer
    /// The client connection using this one. Strong, and cleared whenever an exchange ends, fails or the channel
    /// goes away: a weak reference would put the client handler's reference counts on the slow path.
    var delegate: UpstreamConnectionDelegate?
    private(set) var context: ChannelHandlerContext?
    private var readPending = false
    private var readTimer: DeadlineTimer?
    private var readTimeout: TimeAmount = .seconds(60)
    /// Runs while the upstream is not writable: nginx's `proxy_send_timeout` between two successful writes.
    private var sendTimer: DeadlineTimer?
    private var sendTimeout: TimeAmount = .seconds(60)
    /// Whether a response is expected (a request was sent and its response is not complete).
    private var awaitingResponse = false
    /// The whole request has been written: from here `read_timeout` runs between two reads (nginx arms
    /// `proxy_read_timeout` once the request is sent, so a slow upload is never the server's timeout).
    private var requestSent = false
    private var responseKeepAlive = true
    /// The HTTP/1 framing layer of this connection.
    private var decoder = HTTP1ResponseDecoder()
    /// How the request body in progress is framed towards the upstream.
    private var requestFraming = HTTP1OutgoingFraming.raw
    /// Whether something was written since the last flush.
    private var unflushed = false
    /// Set when the pool holds this connection; cleared on checkout.
    var onIdleClose: ((UpstreamHandler) -> Void)?
    /// The pool's removal closure, made once per connection rather than once per check-in.
    var onIdleCloseHook: ((UpstreamHandler) -> Void)?
    /// Whether the response head arrived on the current exchange (a failure after it is not retryable).
    private(set) var receivedResponseHead = false
    /// After a 101 the connection carries raw bytes both ways; it is never reused.
    private(set) var isTunnel = false
    /// Exchanges completed on this connection; > 0 means it was reused from the pool.
    private(set) var completedExchanges = 0

    init(server: UpstreamServer) {
        self.server = server
    }

    var isActive: Bool { context?.channel.isActive ?? false }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        readTimer = DeadlineTimer(eventLoop: context.eventLoop) { [self] in self.readTimedOut() }
        sendTimer = DeadlineTimer(eventLoop: context.eventLoop) { [self] in self.sendTimedOut() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        readTimer?.invalidate()
        sendTimer?.invalidate()
        delegate = nil
        onIdleClose = nil
        onIdleCloseHook = nil
        self.context = nil
    }

    // MARK: - Exchange control (called by the client connection)

    /// Starts an exchange: the response is awaited within `readTimeout` once the request has been sent.
    func beginExchange(
        delegate: UpstreamConnectionDelegate,
        readTimeout: TimeAmount,
        sendTimeout: TimeAmount,
        isHeadRequest: Bool
    ) {
        self.delegate = delegate
        decoder.expectResponse(isHeadRequest: isHeadRequest)
        self.onIdleClose = nil
        self.readTimeout = readTimeout
        self.sendTimeout = sendTimeout
        self.awaitingResponse = true
        self.responseKeepAlive = true
        self.receivedResponseHead = false
        self.requestSent = false
        readTimer?.disarm()
        if readPending, delegate.clientIsWritable {
            readPending = false
            context?.read()
        }
    }

    /// Writes the request head (already encoded); `chunked` says how the body that follows is framed.
    func sendHead(_ head: ByteBuffer, chunked: Bool) {
        guard let context else { return }
        requestFraming = chunked ? .chunked : .raw
        context.write(wrapOutboundOut(head), promise: nil)
        unflushed = true
    }

    func sendBody(_ part: ByteBuffer) {
        context?.writeBodyPart(part, framing: requestFraming)
        unflushed = true
    }

    /// Bytes for the tunnel, written as they are.
    func sendRaw(_ bytes: ByteBuffer) {
        context?.write(wrapOutboundOut(bytes), promise: nil)
        unflushed = true
    }

    /// Switches to a byte tunnel (after a 101): no more HTTP framing and no `read_timeout` (the tunnel's idle timeout
    /// is the client side's); bytes that arrived right behind the 101 are handed on once the head is delivered.
    func startTunnel() {
        isTunnel = true
        awaitingResponse = false
        readTimer?.cancel()
    }

    func sendEnd() {
        if requestFraming == .chunked {
            context?.writeBodyEnd(framing: .chunked, promise: nil)
            unflushed = true
        }
        requestSent = true
        if awaitingResponse && !readPending { readTimer?.arm(.now() + readTimeout) }
    }

    /// Flushes what was written since the last flush; nothing to do (and no trip down the pipeline) otherwise.
    func flush() {
        guard unflushed else { return }
        unflushed = false
        context?.flush()
    }

    /// Drops the delegate after a complete exchange; the connection may go back to the pool.
    func endExchange() {
        delegate = nil
        awaitingResponse = false
        completedExchanges += 1
        readTimer?.disarm()
        sendTimer?.disarm()
    }

    /// Closes the connection, e.g. after an aborted exchange whose response would otherwise be left half-read.
    func abort() {
        delegate = nil
        awaitingResponse = false
        readTimer?.cancel()
        context?.close(promise: nil)
    }

    /// The client became writable again: resume reading if a read was held back.
    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        if awaitingResponse && requestSent { readTimer?.arm(.now() + readTimeout) }
        context.read()
    }

    // MARK: - NIO callbacks

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard delegate != nil else {
            // Bytes on an idle connection (nothing was asked): it cannot be trusted with the next request.
            context.close(promise: nil)
            return
        }
        if isTunnel {
            delegate?.upstreamTunnelData(unwrapInboundIn(data))
            return
        }
        if awaitingResponse && requestSent { readTimer?.arm(.now() + readTimeout) }
        decoder.feed(unwrapInboundIn(data))
        processInbound()
    }

    private func processInbound() {
        while let delegate {
            if isTunnel {
                if let rest = decoder.takeBuffered() { delegate.upstreamTunnelData(rest) }
                return
            }
            let event: HTTP1ResponseEvent?
            do {
                event = try decoder.next()
            } catch {
                responseUnreadable()
                return
            }
            guard let event else { return }
            deliver(event, to: delegate)
        }
    }

    private func deliver(_ event: HTTP1ResponseEvent, to delegate: UpstreamConnectionDelegate) {
        switch event {
        case .head(let head):
            receivedResponseHead = true
            responseKeepAlive = head.isKeepAlive
            delegate.upstreamResponseHead(head)
        case .body(let part):
            delegate.upstreamResponseBody(part)
        case .end:
            awaitingResponse = false
            readTimer?.disarm()
            // Bytes beyond the response mean the upstream and the balancer disagree on framing: never reuse.
            let reusable = responseKeepAlive && decoder.bufferedBytes == 0
            delegate.upstreamResponseEnd(keepAlive: reusable)
        }
    }

    /// A response that cannot be parsed is a failed attempt (502 if nothing reached the client yet).
    private func responseUnreadable() {
        guard let delegate else { return }
        self.delegate = nil
        awaitingResponse = false
        delegate.upstreamFailed(.error)
        context?.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if let delegate, !delegate.clientIsWritable {
            // The client is slow to take the response: the upstream is not waited on, so its read_timeout stops.
            readPending = true
            readTimer?.disarm()
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            sendTimer?.disarm()
        } else if delegate != nil {
            sendTimer?.arm(.now() + sendTimeout)
        }
        delegate?.upstreamWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        readTimer?.cancel()
        if let onIdleClose {
            self.onIdleClose = nil
            onIdleClose(self)
        }
        // A body delimited by the close ends here.
        if let delegate, receivedResponseHead, let event = try? decoder.connectionClosed() {
            responseKeepAlive = false
            deliver(event, to: delegate)
        }
        if let delegate {
            self.delegate = nil
            delegate.upstreamFailed(completedExchanges > 0 && !receivedResponseHead ? .staleConnection : .error)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Parse errors and resets: the connection is unusable; channelInactive reports the failure.
        context.close(promise: nil)
    }

    private func sendTimedOut() {
        guard let delegate, !(context?.channel.isWritable ?? true) else { return }
        self.delegate = nil
        awaitingResponse = false
        delegate.upstreamFailed(.sendTimeout)
        context?.close(promise: nil)
    }

    private func readTimedOut() {
        guard awaitingResponse, let delegate else { return }
        self.delegate = nil
        awaitingResponse = false
        delegate.upstreamFailed(.readTimeout)
        context?.close(promise: nil)
    }
}
