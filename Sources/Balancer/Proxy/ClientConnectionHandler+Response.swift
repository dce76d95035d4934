import NIOCore
import NIOHTTP1

extension ClientConnectionHandler: UpstreamConnectionDelegate {
    var clientIsWritable: Bool { context.channel.isWritable }

    func upstreamResponseHead(_ head: HTTP1ResponseHead) {
        let code = head.status
        switch machine.responseHeadReceived(status: code, now: UpstreamServer.now()) {
        case .retry:
            // nginx's `proxy_next_upstream http_50x`: the answer is a failed attempt, and another server is asked.
            recordOutcome(failed: true, reason: "status \(code)")
            finishAttempt(reuse: false)
            startAttempt()
            return
        case .relay(let countAsFailure):
            recordOutcome(failed: countAsFailure, reason: countAsFailure ? "status \(code)" : "")
        case .reject:
            attemptFailed(.error, detail: "101 Switching Protocols without an upgrade request")
            return
        case .openTunnel:
            recordOutcome(failed: false, reason: "")
            openTunnel(head)
            return
        }
        request.upstreamStatus = code
        request.status = code
        let room = head.bytes.readableBytes + 256 + min(head.bufferedBodyBytes, Self.coalescedPartLimit)
        var buffer = context.channel.allocator.buffer(capacity: room)
        let rewritten = ResponseHeadRewriter.writeClientHead(
            head,
            clientVersion: request.head.version,
            clientKeepAlive: machine.clientKeepAlive && !loop.draining,
            isHeadRequest: request.head.method == .HEAD,
            requestID: request.requestID,
            cache: request.cache,
            uri: request.head.uri,
            snapshot: snapshot,
            dates: loop.dates,
            into: &buffer
        )
        request.keepAlive = rewritten.keepAlive
        responseFraming = rewritten.framing
        // Held back: small body parts that arrived with the head join it, so a typical response leaves in one write.
        pendingOutput = buffer
    }

    /// Passive health: the attempt's outcome counts for (or against) the server that answered.
    private func recordOutcome(failed: Bool, reason: String) {
        guard let server else { return }
        let now = UpstreamServer.now()
        let change = failed ? server.attemptFailed(now: now) : server.attemptSucceeded(now: now)
        loop.events.record(change, group: snapshot.groups[request.groupIndex].name, server: server.name, reason: reason)
    }

    /// Body parts up to this size are copied behind a response head still waiting to be written.
    static var coalescedPartLimit: Int { 4096 }

    func upstreamResponseBody(_ part: ByteBuffer) {
        request.bytesSent += Int64(part.readableBytes)
        if var output = pendingOutput, part.readableBytes <= Self.coalescedPartLimit {
            pendingOutput = nil
            if responseFraming == .chunked {
                guard part.readableBytes > 0 else {
                    pendingOutput = output
                    return
                }
                HTTP1Encoder.writeChunkHeader(size: part.readableBytes, into: &output)
                output.writeImmutableBuffer(part)
                output.writeStaticString(HTTP1Encoder.chunkTrailer)
            } else {
                output.writeImmutableBuffer(part)
            }
            pendingOutput = output
            return
        }
        writePendingOutput()
        context.writeBodyPart(part, framing: responseFraming)
    }

    /// Writes the response bytes held back for coalescing, if any.
    func writePendingOutput() {
        guard let output = pendingOutput else { return }
        pendingOutput = nil
        context.write(wrapOutboundOut(output), promise: nil)
    }

    /// Writes what ends the response body, together with any bytes still held back.
    private func writeResponseEnd(promise: EventLoopPromise<Void>?) {
        guard var output = pendingOutput else {
            context.writeBodyEnd(framing: responseFraming, promise: promise)
            return
        }
        pendingOutput = nil
        if responseFraming == .chunked { output.writeStaticString(HTTP1Encoder.lastChunk) }
        context.write(wrapOutboundOut(output), promise: promise)
    }

    func upstreamResponseEnd(keepAlive: Bool) {
        let action = machine.responseEndReceived(upstreamKeepAlive: keepAlive, clientCanKeepAlive: request.keepAlive)
        switch action {
        case .finish(let reuse, let closeClient):
            finishAttempt(reuse: reuse)
            logRequest()
            if closeClient {
                writeResponseEndThenClose()
            } else {
                timer.arm(.now() + snapshot.keepaliveTimeout)
                writeResponseEnd(promise: nil)
                context.flush()
                readNextRequest()
            }
        case .finishEarly:
            finishAttempt(reuse: false)
            logRequest()
            writeResponseEndThenClose()
        case .none:
            break
        }
    }

    /// Relays the 101 and turns both connections into a tunnel; bytes the client sent behind its request go first.
    private func openTunnel(_ head: HTTP1ResponseHead) {
        request.upstreamStatus = 101
        request.status = 101
        var buffer = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 64)
        ResponseHeadRewriter.writeSwitchingProtocolsHead(head, requestID: request.requestID, into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        logRequest()
        upstream?.startTunnel()
        timer.arm(.now() + snapshot.websocketIdleTimeout)
        if let early = decoder.takeBuffered() {
            upstream?.sendRaw(early)
            upstream?.flush()
        }
    }

    func upstreamTunnelData(_ bytes: ByteBuffer) {
        timer.arm(.now() + snapshot.websocketIdleTimeout)
        context.write(wrapOutboundOut(bytes), promise: nil)
    }

    private func writeResponseEndThenClose() {
        let promise = context.eventLoop.makePromise(of: Void.self)
        writeResponseEnd(promise: promise)
        context.flush()
        promise.futureResult.assumeIsolatedUnsafeUnchecked().whenComplete { [self] _ in self.close() }
    }

    func upstreamReadComplete() {
        writePendingOutput()
        context.flush()
    }

    func upstreamFailed(_ failure: ProxyStateMachine.AttemptFailure) {
        guard upstream != nil else { return }
        if machine.isTunnel {
            // The upstream ended the tunnel (a normal WebSocket close, or a crash): not a failed attempt. What it
            // sent last is delivered, then the client's connection is closed.
            _ = machine.attemptFailed(failure, now: UpstreamServer.now())
            finishAttempt(reuse: false)
            let flushed = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: flushed)
            flushed.futureResult.assumeIsolatedUnsafeUnchecked().whenComplete { [self] _ in self.close() }
            return
        }
        attemptFailed(failure)
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeClientReads() }
    }

    // MARK: - Local responses and logging

    /// Writes a response of the balancer's own and then keeps the connection or closes it. When the client may
    /// still be sending a body, the write side is shut first and the rest is read and dropped for a moment, so the
    /// client sees the response instead of a reset (nginx's lingering close).
    func sendLocalResponse(_ status: HTTPResponseStatus, close: Bool) {
        guard !closing else { return }
        // Shutting down: this is the connection's last response.
        let close = close || loop.draining
        request.status = Int(status.code)
        if request.requestID.isEmpty { request.requestID = loop.nextRequestID() }
        loop.dates.refresh()
        let body = LocalResponse.body(
            status: status,
            requestID: request.requestID,
            allocator: context.channel.allocator
        )
        let head = LocalResponse.head(
            status: status,
            version: request.head.version,
            bodyLength: body.readableBytes,
            close: close,
            requestID: request.requestID,
            snapshot: snapshot,
            date: loop.dates.httpDate
        )
        request.bytesSent = Int64(body.readableBytes)
        logRequest()
        let finish = machine.localResponseWritten()
        var buffer = context.channel.allocator.buffer(capacity: 512 + body.readableBytes)
        HTTP1Encoder.writeResponseHead(head, into: &buffer)
        var payload = body
        buffer.writeBuffer(&payload)
        guard case .finishLocal(let mustClose) = finish, mustClose || close else {
            timer.arm(.now() + snapshot.keepaliveTimeout)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            // The request may still be open (its end not read yet); reading resumes once it is.
            if machine.isIdle { readNextRequest() }
            return
        }
        closing = true
        timer.cancel()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolatedUnsafeUnchecked().whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            // Drop what the client still sends for up to 2 s, then close for good.
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
    }

    func logRequest() {
        loop.stats.requests.wrappingIncrement(ordering: .relaxed)
        loop.metrics.record(request, in: snapshot)
        guard let log = loop.accessLog else { return }
        loop.dates.refresh()
        let head = request.head
        let elapsed = (NIODeadline.now() - request.start).nanoseconds / 1000
        let entry = AccessLogEntry(
            clientAddress: clientIP,
            method: head.method.rawValue,
            uri: head.uri,
            version: head.version.major == 1 && head.version.minor == 0 ? "HTTP/1.0" : "HTTP/1.1",
            status: request.status,
            bodyBytesSent: request.bytesSent,
            referer: head.headers.first(name: "referer"),
            userAgent: head.headers.first(name: "user-agent"),
            upstreamAddress: request.upstreamAddress,
            upstreamStatus: request.upstreamStatus,
            requestTimeMicros: elapsed,
            requestID: request.requestID
        )
        log.append(entry, dates: loop.dates)
    }
}
