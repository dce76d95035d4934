import BalancerCore
import NIOCore
import NIOHTTP1

/// The last handler of a client connection: turns NIO callbacks, decoded request parts and the upstream
/// connection's callbacks into `ProxyStateMachine` events, and carries out the actions it returns. It decides
/// nothing itself; its state is the machinery those actions need (channel context, timer, framing layer, the
/// current attempt's server and connection, the response output).
///
/// The upstream connection serving a request lives on this handler's event loop, so every call between the two
/// sides is a plain method call: no task, lock or thread hop per request. Loop-bound: every entry point runs on the
/// channel's event loop (asserted in debug builds where the upstream side calls in).
final class ClientConnectionHandler: ChannelDuplexHandler, UpstreamConnectionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    // The stored properties are ordered so that each `Bool` fills the tail of the struct before it: the instance
    // then stays within 1,024 bytes, which is what an idle keep-alive connection keeps allocated for it (a malloc
    // size class boundary; a few bytes more cost a larger class on every connection).
    private let loop: LoopContext
    /// What the listener that accepted this connection does (TLS, redirect, HSTS), as of the accept.
    private let listener: ListenerRuntime
    /// This handler's context, unretained (see `UnretainedContext`): the request path uses it without reference
    /// counts; `context` is the plain reference for the rest.
    private var contextRef = UnretainedContext()
    private var context: ChannelHandlerContext? { contextRef.strong }
    private var timer: DeadlineTimer?
    private var machine: ProxyStateMachine
    /// The HTTP/1 framing layer: bytes in, request events out (replaceable without touching the decisions).
    private var decoder: HTTP1RequestDecoder
    /// The channel's writability, kept here: asking the context for its channel retains and releases it, several
    /// times for every request. It follows `channelWritabilityChanged`.
    private var writable = true
    private var output = ClientResponseOutput()
    private var processingInbound = false
    /// Who the requests come from (peer, PROXY header, `real_ip`) and the forwarding lines made of it.
    private var identity = ClientIdentity(peer: nil)
    /// Set once the channel has been asked to close: closing twice, or writing after, is avoided.
    private var closing = false
    /// The request in progress as counted by connection-limit zones; released when it ends.
    private var lease = LimitLease()
    /// Ends a rate limit's delay (made on the first delay of the connection).
    private var delayTimer: DeadlineTimer?
    /// The request a rate limit delays, sent on when the delay is over (boxed: rare, and every idle connection
    /// would otherwise carry its room).
    private var delayed: DelayedRequest?

    // The request in progress.
    private var snapshot: ProxySnapshot
    private var request = RequestRecord()
    private var attempt = UpstreamAttempt()
    /// Answers requests of static routes; made on the first one.
    private var files: StaticResponder?
    /// The relayed response is being gzipped.
    private var gzip: GzipEncoder?
    /// The request's route compresses proxied responses and the client accepts gzip: the settings to apply.
    private var gzipOffer: GzipConfig?

    /// The channel's allocator: the loop's (the bootstraps set none, so every channel has NIO's default one).
    private var allocator: ByteBufferAllocator { loop.allocator }

    init(loop: LoopContext, listener: ListenerRuntime = .plain) {
        self.loop = loop
        self.listener = listener
        self.snapshot = loop.snapshot
        self.machine = ProxyStateMachine(timeouts: loop.snapshot.requestPolicy.timeouts)
        self.decoder = HTTP1RequestDecoder(maxHeadSize: loop.snapshot.maxHeaderSize)
    }

    // MARK: - Connection lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        contextRef.set(context)
        writable = context.channel.isWritable
        loop.register(context.channel)
        timer = DeadlineTimer(queue: loop.timers) { [self] in self.clientTimedOut() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Breaks the reference cycles: the context holds this handler, the timer's expiry closure holds it, and an
        // upstream connection still attached holds it as its delegate. Left in place, every closed connection's
        // handler, context and buffers would stay in memory for good.
        closing = true
        loop.unregister(context.channel)
        timer?.invalidate()
        timer = nil
        files?.cancel()
        delayTimer?.invalidate()
        delayTimer = nil
        lease.release()
        attempt.finish(reuse: false, pool: loop.pool, keepalive: 0)
        contextRef.set(nil)
    }

    func channelActive(context: ChannelHandlerContext) {
        loop.stats.activeClients.wrappingIncrement(ordering: .relaxed)
        loop.stats.acceptedClients.wrappingIncrement(ordering: .relaxed)
        let remote = context.channel.remoteAddress
        identity = ClientIdentity(
            peer: remote.flatMap(IPAddress.init(socketAddress:)), peerText: remote?.ipAddress ?? "-",
            scheme: listener.edge.scheme, port: context.channel.localAddress?.port)
        run(machine.connectionActive())
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        loop.stats.activeClients.wrappingDecrement(ordering: .relaxed)
        timer?.cancel()
        delayTimer?.cancel()
        lease.release()
        closing = true
        files?.cancel()
        if machine.clientClosed() == .abortAttempt { endAttempt(.uncounted) }
        context.fireChannelInactive()
    }

    private func clientTimedOut() {
        guard !closing else { return }
        switch machine.clientTimedOut() {
        case .close, .abortBoth, .clientTooSlow:
            endAttempt(.uncounted)
            close()
        case .requestTimeout:
            endAttempt(.uncounted)
            sendLocalResponse(.requestTimeout, close: true)
        case .rearm(let timeout):
            run(.arm(timeout))
        case .none:
            break
        }
    }

    private func close() {
        guard !closing, let context else { return }
        closing = true
        output.writeHeld(on: context)
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Shutdown: a connection between requests closes now; one mid-request closes after its response.
        if event is DrainingStarted {
            if machine.drainingStarted() == .close { close() }
            return
        }
        if let received = event as? ProxyProtocolReceived {
            identity.proxyProtocolReceived(received.header, resolver: loop.snapshot.realIP)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // I/O errors (reset by peer): nothing to answer.
        close()
    }

    // MARK: - Reads and writability

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Everything this read leads to (requests decided, answered or sent on, timers moved) shares one reading of
        // the clock.
        loop.clock.during { received(unwrapInboundIn(data)) }
    }

    private func received(_ data: ByteBuffer) {
        switch machine.clientBytesReceived() {
        case .decode:
            decoder.feed(data)
            processInbound()
        case .relayToUpstream(let idleTimeout):
            run(.arm(idleTimeout))
            attempt.connection?.sendRaw(data)
        case .discard:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Not passed on: this is the pipeline's last handler, and NIO's tail does nothing with it (a trip through
        // the pipeline per request saved).
        attempt.connection?.flush()
    }

    func read(context: ChannelHandlerContext) {
        // A client pipelining far ahead of the responses waits until the buffered requests are served.
        switch machine.readRequested(pipelineBacklogFull: decoder.backlogFull) {
        case .read: context.read()
        case .hold: break
        }
    }

    private func resumeReads() {
        guard !closing else { return }
        contextRef.with { $0.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        let action = machine.clientWritabilityChanged(isWritable: writable)
        if action.resumeUpstreamReads { attempt.connection?.resumeReading() }
        run(action.timer)
        context.fireChannelWritabilityChanged()
    }

    private func run(_ action: ProxyStateMachine.TimerAction) {
        switch action {
        case .keep: break
        case .arm(let timeout): timer?.arm(after: timeout)
        case .disarm: timer?.disarm()
        }
    }

    // MARK: - Request events

    /// Hands decoded request events to the state machine until the decoder needs more bytes or pauses after a
    /// request (pipelined requests wait for the response in progress).
    private func processInbound() {
        // Re-entered when handling an event completes a response (a local 404, say): the running loop goes on.
        guard !processingInbound else { return }
        processingInbound = true
        defer { processingInbound = false }
        while !closing {
            let event: HTTP1RequestEvent?
            do {
                event = try decoder.next(lists: &loop.fieldLists)
            } catch {
                let status: HTTPResponseStatus = error == .headTooLarge ? .requestHeaderFieldsTooLarge : .badRequest
                run(machine.requestMalformed(status: status), detail: nil)
                return
            }
            switch event {
            case .head(let received): requestHeadReceived(received)
            case .body(let part): requestBodyReceived(part)
            case .end: requestEndReceived()
            case nil: return
            }
        }
    }

    /// The response in progress is complete and the connection stays: read the next pipelined request, if any.
    private func readNextRequest() {
        decoder.resume()
        processInbound()
        if !closing, case .resumeReads = machine.readyForNextRequest() { resumeReads() }
    }

    private func requestHeadReceived(_ received: HTTP1RequestHead) {
        // Compared first: storing the same snapshot again would still retain it and release the old reference.
        if snapshot !== loop.snapshot { snapshot = loop.snapshot }
        request.begin(received, at: loop.clock.now)
        if let id = received.first(.xRequestID), RequestHygiene.isSaneRequestID(id) {
            request.requestID = RequestID(id)
        } else {
            request.requestID = loop.nextRequestID()
        }
        let verdict = snapshot.routing.verdict(for: received, on: listener.edge)
        gzipOffer = nil
        var route: RouteRuntime?
        var routeIndex = -1
        if case .proxy(let index) = verdict {
            let matched = snapshot.routes[index]
            route = matched
            routeIndex = index
            request.groupIndex = matched.groupIndex
            request.cache = matched.cache
            if let gzip = matched.gzip, AcceptedEncodings(received.first(.acceptEncoding)).accepts(.gzip) {
                gzipOffer = gzip
            }
        }
        identity.requestReceived(received, resolver: snapshot.realIP)
        let now = loop.clock.uptimeNanoseconds
        let action = machine.requestHeadReceived(
            received, policy: snapshot.requestPolicy, route: verdict, servesFiles: route?.files != nil, now: now
        ) {
            let limits = route?.limits ?? snapshot.unroutedLimits
            guard !limits.isEmpty, let client = identity.client else { return .pass }
            let outcome = loop.checkLimits(limits, client: client, route: routeIndex, head: received, now: now)
            lease.release()  // nothing left from the last request (it ended through logRequest), but never leak
            lease = outcome.lease
            return outcome.verdict
        }
        perform(action, for: received, route: route)
    }

    /// Carries out what the machine said about a request head, at once or when a rate limit's delay is over.
    private func perform(
        _ action: ProxyStateMachine.HeadAction,
        for received: HTTP1RequestHead,
        route: RouteRuntime?
    ) {
        guard contextRef.isSet else { return }
        switch action {
        case .respond(let status, let close):
            timer?.disarm()
            sendLocalResponse(status, close: close)
        case .refuse(let status, let retryAfter, let close):
            timer?.disarm()
            let retry = retryAfter.map { [("Retry-After", String($0))] } ?? []
            sendLocalResponse(status, close: close, extraHeaders: retry)
        case .delay(let wait, let timerAction):
            run(timerAction)
            delayed = DelayedRequest(head: received, route: route)
            if delayTimer == nil {
                delayTimer = DeadlineTimer(queue: loop.timers) { [self] in self.delayElapsed() }
            }
            delayTimer?.arm(after: wait)
        case .serveFile(_, let timerAction):
            guard let staticRoute = route?.files, let context else { return }
            run(timerAction)
            let responder = files ?? StaticResponder(loop: loop, delegate: self)
            files = responder
            responder.serve(
                staticRoute, head: received, requestID: request.requestID, snapshot: snapshot, context: context)
        case .answer(let answer, let close):
            timer?.disarm()
            sendLocalResponse(HTTPResponseStatus(statusCode: answer.status), close: close, answer: answer)
        case .proxy(let framing, let continue100, let upgrade, let timerAction):
            var forwarded = loop.headBuffers.take(capacity: received.bytes.readableBytes + 192)
            ForwardedRequest.writeUpstreamHead(
                received,
                client: identity.lines,
                requestID: request.requestID,
                normalizePath: snapshot.config.proxy.normalizePath,
                underscoresInHeaders: snapshot.config.limits.underscoresInHeaders,
                upgrade: upgrade,
                edits: route?.edits,
                into: &forwarded
            )
            request.forwardedHead = forwarded
            request.forwardedChunked = framing.isChunked
            if continue100 {
                var interim = allocator.buffer(capacity: 32)
                interim.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
                contextRef.with { $0.writeAndFlush(wrapOutboundOut(interim), promise: nil) }
            }
            run(timerAction)
            pickServer(excluding: .empty)
        }
    }

    /// A rate limit's delay is over: the request goes on as if it had just passed.
    private func delayElapsed() {
        guard !closing, let delayed else { return }
        self.delayed = nil
        guard let end = machine.delayElapsed(now: loop.clock.uptimeNanoseconds) else { return }
        perform(end.action, for: delayed.head, route: delayed.route)
        if end.resumeReads { resumeReads() }
    }

    private func requestBodyReceived(_ part: ByteBuffer) {
        switch machine.requestBodyReceived(part) {
        case .forward(let bodyTimeout):
            run(.arm(bodyTimeout))
            attempt.connection?.sendBody(part)
        case .hold(let bodyTimeout):
            run(.arm(bodyTimeout))
        case .discard:
            break
        case .rejectTooLarge:
            endAttempt(.uncounted)
            sendLocalResponse(.payloadTooLarge, close: true)
        case .abortBoth:
            endAttempt(.uncounted)
            close()
        }
    }

    private func requestEndReceived() {
        switch machine.requestEndReceived() {
        case .forward:
            timer?.disarm()
            attempt.connection?.sendEnd()
            attempt.connection?.flush()
        case .hold:
            timer?.disarm()
        case .readNextRequest:
            decoder.resume()
        case .none:
            break
        }
    }

    // MARK: - Attempts

    /// Picks a server outside `excluded` and asks the machine to start an attempt on it.
    private func pickServer(excluding excluded: ServerSet) {
        // The context is bound only where a new connection needs it: binding it holds a reference for the call.
        guard !closing, contextRef.isSet else { return }
        let now = loop.clock.uptimeNanoseconds
        guard let (index, chosen) = loop.pick(group: request.groupIndex, in: snapshot, excluding: excluded, now: now)
        else {
            run(machine.noServerAvailable(), detail: nil)
            return
        }
        guard case .connect(let id) = machine.serverPicked(index) else { return }
        attempt.start(on: chosen, now: now)
        request.upstreamServer = chosen
        if let pooled = loop.pool.checkout(chosen) {
            attach(pooled, attempt: id, pooled: true)
            return
        }
        guard let context else { return }
        loop.stats.upstreamConnectionsOpened.wrappingIncrement(ordering: .relaxed)
        loop.pool.noteOpened()
        let group = snapshot.groups[request.groupIndex]
        UpstreamConnector.connect(
            to: chosen, on: context.eventLoop, timers: loop.timers, connectTimeout: snapshot.connectTimeout,
            tls: group.tls)
            .assumeIsolatedUnsafeUnchecked()
            .whenComplete { [self] result in
                switch result {
                case .success(let connection):
                    self.attach(connection, attempt: id, pooled: false)
                case .failure(let error):
                    let timedOut = (error as? ChannelError).map { if case .connectTimeout = $0 { true } else { false } }
                    let failure: ProxyStateMachine.AttemptFailure = timedOut == true ? .connectTimeout : .error
                    let now = loop.clock.uptimeNanoseconds
                    self.run(
                        self.machine.connectFailed(attempt: id, failure, now: now),
                        detail: ConnectFailure.describe(error))
                }
            }
    }

    private func attach(_ connection: UpstreamHandler, attempt id: Int, pooled: Bool) {
        switch machine.upstreamConnected(attempt: id, writable: connection.isWritable) {
        case .decline:
            if pooled {
                loop.pool.checkin(connection, keepalive: snapshot.groups[request.groupIndex].config.keepalive)
            } else {
                connection.abort()
            }
        case .sendRequest(let body, let end, let resume):
            attempt.attach(connection)
            connection.beginExchange(
                delegate: self,
                readTimeout: snapshot.readTimeout,
                sendTimeout: snapshot.sendTimeout,
                isHeadRequest: request.isHeadRequest
            )
            if let head = request.forwardedHead { connection.sendHead(head, chunked: request.forwardedChunked) }
            for part in body { connection.sendBody(part) }
            if end { connection.sendEnd() }
            connection.flush()
            if resume { resumeReads() }
        }
    }

    /// Records what the current attempt meant for its server's passive health.
    private func recordAttempt(_ outcome: ProxyStateMachine.AttemptOutcome, detail: String?) {
        attempt.record(outcome, detail: detail, events: loop.events, now: loop.clock.uptimeNanoseconds) {
            snapshot.groups[request.groupIndex].name
        }
    }

    /// Ends the current attempt without reusing its connection, recording `outcome` for its server.
    private func endAttempt(_ outcome: ProxyStateMachine.AttemptOutcome, detail: String? = nil) {
        recordAttempt(outcome, detail: detail)
        attempt.finish(reuse: false, pool: loop.pool, keepalive: 0)
    }

    private func run(_ action: ProxyStateMachine.FailureAction, detail: String?) {
        switch action {
        case .retry(let outcome, let excluded):
            endAttempt(outcome, detail: detail)
            pickServer(excluding: excluded)
        case .respond(let status, let close, let outcome):
            endAttempt(outcome, detail: detail)
            sendLocalResponse(status, close: close)
        case .closeClient(let outcome):
            endAttempt(outcome, detail: detail)
            close()
        case .endTunnel:
            // The upstream ended the tunnel (a normal WebSocket close, or a crash): not a failed attempt. What it
            // sent last is delivered, then the client's connection is closed.
            endAttempt(.uncounted)
            guard let context else { return }
            let flushed = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(allocator.buffer(capacity: 0)), promise: flushed)
            flushed.futureResult.assumeIsolatedUnsafeUnchecked().whenComplete { [self] _ in self.close() }
        case .none:
            break
        }
    }

    // MARK: - Upstream events (UpstreamConnectionDelegate)

    var clientIsWritable: Bool { contextRef.isSet && writable }

    func upstreamResponseHead(_ head: HTTP1ResponseHead) {
        guard contextRef.isSet else { return }
        // `assert`, so release builds do not even ask the context for its loop (a retain and a release).
        assert(context?.eventLoop.inEventLoop ?? true)
        let code = head.status
        let clientKeepAlive: Bool
        switch machine.responseHeadReceived(status: code, now: loop.clock.uptimeNanoseconds) {
        case .retry(let outcome, let excluded):
            // nginx's `proxy_next_upstream http_50x`: the answer is a failed attempt, and another server is asked.
            run(.retry(outcome, excluding: excluded), detail: nil)
            return
        case .relay(let outcome, let keepAlive):
            clientKeepAlive = keepAlive
            recordAttempt(outcome, detail: nil)
        case .reject:
            let failed = machine.attemptFailed(.error, now: loop.clock.uptimeNanoseconds)
            run(failed, detail: "101 Switching Protocols without an upgrade request")
            return
        case .openTunnel(let idleTimeout):
            recordAttempt(.succeeded, detail: nil)
            openTunnel(head, idleTimeout: idleTimeout)
            return
        }
        request.upstreamStatus = code
        request.status = code
        let room = head.bytes.readableBytes + 256 + min(head.bufferedBodyBytes, ClientResponseOutput.coalescedPartLimit)
        var buffer = loop.headBuffers.take(capacity: room)
        gzip = nil
        if let offer = gzipOffer,
            ProxiedCompression.shouldCompress(head, isHeadRequest: request.isHeadRequest, config: offer)
        {
            gzip = try? GzipEncoder(level: offer.level, allocator: allocator)
        }
        let rewritten = ResponseHeadRewriter.writeClientHead(
            head,
            clientVersion: request.version,
            clientKeepAlive: clientKeepAlive,
            isHeadRequest: request.isHeadRequest,
            requestID: request.requestID,
            cache: request.cache,
            uri: request.head?.uri ?? "/",
            snapshot: snapshot,
            dates: loop.dates,
            compressed: gzip != nil,
            connectionHeader: listener.connectionHeader,
            into: &buffer
        )
        request.keepAlive = rewritten.keepAlive
        // Held back: small body parts that arrived with the head join it, so a typical response leaves in one write.
        output.holdHead(buffer, framing: rewritten.framing)
    }

    func upstreamResponseBody(_ part: ByteBuffer) {
        guard contextRef.isSet else { return }
        if gzip != nil {
            writeCompressed(part, flush: .none)
            return
        }
        request.bytesSent += Int64(part.readableBytes)
        contextRef.with { output.writeBodyPart(part, on: $0) }
    }

    /// Compresses `part` (nil: only flush) into the gzipped response in progress and writes what zlib gives back.
    private func writeCompressed(_ part: ByteBuffer?, flush: GzipEncoder.Flush) {
        guard let context, let gzip else { return }
        var compressed = allocator.buffer(capacity: (part?.readableBytes ?? 0) / 2 + 64)
        do {
            try gzip.compress(part, flush: flush, into: &compressed)
        } catch {
            run(machine.attemptFailed(.error, now: loop.clock.uptimeNanoseconds), detail: "gzip failed: \(error)")
            return
        }
        guard compressed.readableBytes > 0 else { return }
        request.bytesSent += Int64(compressed.readableBytes)
        output.writeBodyPart(compressed, on: context)
    }

    func upstreamResponseEnd(keepAlive: Bool) {
        contextRef.with { responseEnded(keepAlive: keepAlive, context: $0) }
    }

    private func responseEnded(keepAlive: Bool, context: ChannelHandlerContext) {
        if gzip != nil {
            writeCompressed(nil, flush: .finish)
            gzip = nil
        }
        switch machine.responseEndReceived(upstreamKeepAlive: keepAlive, clientCanKeepAlive: request.keepAlive) {
        case .finish(let reuse, let keepaliveTimeout):
            attempt.finish(reuse: reuse, pool: loop.pool, keepalive: snapshot.groups[request.groupIndex].config.keepalive)
            logRequest()
            if let keepaliveTimeout {
                run(.arm(keepaliveTimeout))
                let written = output.writeEnd(on: context, promise: nil)
                context.flush()
                // Written out by now, as a rule: the buffer serves the loop's next response head.
                if let written { loop.headBuffers.recycle(written) }
                readNextRequest()
            } else {
                writeResponseEndThenClose(context)
            }
        case .finishEarly:
            endAttempt(.uncounted)
            logRequest()
            writeResponseEndThenClose(context)
        case .none:
            break
        }
    }

    private func writeResponseEndThenClose(_ context: ChannelHandlerContext) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        output.writeEnd(on: context, promise: promise)
        context.flush()
        promise.futureResult.assumeIsolatedUnsafeUnchecked().whenComplete { [self] _ in self.close() }
    }

    /// Relays the 101 and turns both connections into a tunnel; bytes the client sent behind its request go first.
    private func openTunnel(_ head: HTTP1ResponseHead, idleTimeout: TimeAmount) {
        guard let context else { return }
        request.upstreamStatus = 101
        request.status = 101
        var buffer = allocator.buffer(capacity: head.bytes.readableBytes + 64)
        ResponseHeadRewriter.writeSwitchingProtocolsHead(head, requestID: request.requestID, into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        logRequest()
        attempt.connection?.startTunnel()
        run(.arm(idleTimeout))
        if let early = decoder.takeBuffered() {
            attempt.connection?.sendRaw(early)
            attempt.connection?.flush()
        }
    }

    func upstreamTunnelData(_ bytes: ByteBuffer) {
        run(machine.tunnelDataReceived())
        contextRef.with { $0.write(wrapOutboundOut(bytes), promise: nil) }
    }

    func upstreamReadComplete() {
        guard contextRef.isSet else { return }
        // What was compressed of this burst goes out now: a streamed response must not wait for zlib's buffer.
        if gzip != nil { writeCompressed(nil, flush: .sync) }
        contextRef.with { context in
            output.writeHeld(on: context)
            context.flush()
        }
    }

    func upstreamFailed(_ failure: ProxyStateMachine.AttemptFailure) {
        guard attempt.connection != nil else { return }
        assert(context?.eventLoop.inEventLoop ?? true)
        run(machine.attemptFailed(failure, now: loop.clock.uptimeNanoseconds), detail: nil)
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if machine.upstreamWritabilityChanged(isWritable: isWritable) == .resumeReads { resumeReads() }
    }

    // MARK: - Local responses and logging

    /// Writes a response of the balancer's own (an error, or `answer` of the configuration), then keeps the
    /// connection or closes it the way the machine says.
    private func sendLocalResponse(
        _ status: HTTPResponseStatus, close: Bool, answer: LocalAnswer? = nil, extraHeaders: [(String, String)] = []
    ) {
        guard !closing, let context else { return }
        request.status = Int(status.code)
        if request.requestID.isEmpty { request.requestID = loop.nextRequestID() }
        loop.refreshDates()
        let action = machine.localResponseWritten()
        let response = LocalResponse.encode(
            status: status,
            version: request.version,
            close: close || !isKeepOpen(action),
            requestID: request.requestID,
            snapshot: snapshot,
            date: loop.dates.httpDate,
            allocator: allocator,
            extraHeaders: extraHeaders,
            answer: answer,
            connectionHeader: listener.connectionHeader,
            isHeadRequest: request.answerOmitsBody
        )
        request.bytesSent = Int64(response.bodyBytes)
        logRequest()
        if case .none = action { return }
        finishOwnResponse(action, written: context.writeAndFlush(wrapOutboundOut(response.bytes)))
    }

    /// After a response of the balancer's own (local or from files) was handed to the channel: read the next
    /// request, or close once `written` completes, the way the machine said.
    private func finishOwnResponse(_ action: ProxyStateMachine.LocalResponseAction, written: EventLoopFuture<Void>) {
        switch action {
        case .keepOpen(let keepaliveTimeout):
            run(.arm(keepaliveTimeout))
            readNextRequest()
        case .closeAfterWrite(let lingeringTimeout):
            timer?.disarm()
            written.assumeIsolatedUnsafeUnchecked().whenComplete { [self] _ in
                // Lingering close: the write side is shut so the client sees the response, and what it still
                // sends is read and dropped until the timer ends the connection.
                self.context?.close(mode: .output, promise: nil)
                self.run(.arm(lingeringTimeout))
            }
        case .none:
            break
        }
    }

    private func isKeepOpen(_ action: ProxyStateMachine.LocalResponseAction) -> Bool {
        if case .keepOpen = action { return true }
        return false
    }

    private func logRequest() {
        // The request is over for the connection limits, unless it became a tunnel: that counts until it closes.
        if case .release = machine.requestLogged() { lease.release() }
        loop.metrics.record(
            status: request.status, bytesSent: request.bytesSent, server: request.upstreamServer,
            groupIndex: request.groupIndex, start: request.start, answered: request.upstreamStatus != nil,
            in: snapshot, now: loop.clock.now)
        if let log = loop.accessLog {
            loop.refreshDates()
            log.append(
                request.takeAccessLogEntry(
                    clientAddress: identity.lines.address, now: loop.clock.now, recycling: &loop.fieldLists),
                dates: loop.dates)
        }
        // The head's list of lines and the head written upstream serve the loop's next requests.
        if let fields = request.takeFields() { loop.fieldLists.recycle(fields) }
        if let forwarded = request.takeForwardedHead() { loop.headBuffers.recycle(forwarded) }
        request.release()
    }
}

// MARK: - File responses (StaticResponderDelegate)

extension ClientConnectionHandler: StaticResponderDelegate {
    var connectionHeader: EncodedHeaderLine? { listener.connectionHeader }

    func staticResponseStarting() -> Bool {
        machine.fileResponseStarted()
    }

    func staticResponseFinished(status: HTTPResponseStatus, bodyBytes: Int64, written: EventLoopFuture<Void>?) {
        request.status = Int(status.code)
        request.bytesSent = bodyBytes
        logRequest()
        let action = machine.fileResponseFinished()
        if case .closeAfterWrite = action, written == nil, let context {
            // Handed over without a promise: an empty write behind it completes once it is written.
            let empty = allocator.buffer(capacity: 0)
            finishOwnResponse(action, written: context.writeAndFlush(wrapOutboundOut(empty)))
            return
        }
        finishOwnResponse(action, written: written ?? loop.eventLoop.makeSucceededVoidFuture())
    }

    func staticResponseFailed() {
        run(machine.fileResponseFailed(), detail: nil)
    }
}
