import NIOCore
import NIOHTTP1

extension ClientConnectionHandler {
    /// A request head arrived: route it, check it, and start the first upstream attempt.
    func requestHeadReceived(_ received: HTTP1RequestHead) {
        guard !closing else { return }
        let head = received.head
        timer.disarm()
        snapshot = loop.snapshot
        request.begin(head, at: .now())
        if let id = received.first(.xRequestID), RequestHygiene.isSaneRequestID(id) {
            request.requestID = id
        } else {
            request.requestID = loop.nextRequestID()
        }

        var unavailable: HTTPResponseStatus?
        if let route = snapshot.router.match(uri: head.uri) {
            request.groupIndex = snapshot.routeGroup[route]
            request.cache = snapshot.routeCache[route]
        } else {
            unavailable = .notFound
        }
        let action = machine.requestHeadReceived(
            received,
            policy: snapshot.requestPolicy,
            unavailableStatus: unavailable,
            now: UpstreamServer.now()
        )
        switch action {
        case .respond(let status, let close):
            sendLocalResponse(status, close: close)
        case .proxy(let framing, let continue100):
            var forwarded = context.channel.allocator.buffer(capacity: received.bytes.readableBytes + 192)
            ForwardedRequest.writeUpstreamHead(
                received,
                client: clientLines,
                requestID: request.requestID,
                normalizePath: snapshot.config.proxy.normalizePath,
                underscoresInHeaders: snapshot.config.limits.underscoresInHeaders,
                upgrade: machine.isUpgradeRequest,
                into: &forwarded
            )
            request.forwardedHead = forwarded
            request.forwardedChunked = framing == .chunked
            if continue100 {
                var interim = context.channel.allocator.buffer(capacity: 32)
                interim.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
                context.writeAndFlush(wrapOutboundOut(interim), promise: nil)
            }
            startAttempt()
        }
        if machine.awaitsClientBody { timer.arm(.now() + snapshot.clientBodyTimeout) }
    }

    func requestBodyReceived(_ part: ByteBuffer) {
        // client_body_timeout runs between two reads of the body, as nginx's does.
        if machine.awaitsClientBody { timer.arm(.now() + snapshot.clientBodyTimeout) }
        switch machine.requestBodyReceived(part) {
        case .forward:
            upstream?.sendBody(part)
        case .hold:
            pending.append(part)
            pendingBytes += part.readableBytes
        case .discard:
            break
        case .rejectTooLarge:
            finishAttempt(reuse: false)
            sendLocalResponse(.payloadTooLarge, close: true)
        case .abortBoth:
            finishAttempt(reuse: false)
            close()
        }
    }

    func requestEndReceived() {
        let action = machine.requestEndReceived()
        if !machine.isIdle && !closing { timer.disarm() }
        switch action {
        case .forward:
            upstream?.sendEnd()
            upstream?.flush()
        case .hold, .none:
            break
        case .finishLocal(let close):
            if close { self.close() }
        }
    }

    // MARK: - Attempts

    /// Picks a server not yet tried for this request and attaches a pooled or new connection to it.
    func startAttempt() {
        guard !closing else { return }
        let now = UpstreamServer.now()
        guard let chosen = loop.pick(group: request.groupIndex, in: snapshot, excluding: request.tried, now: now)
        else {
            perform(machine.noServerLeft())
            return
        }
        chosen.attemptStarted(now: now)
        if let index = snapshot.groups[request.groupIndex].servers.firstIndex(where: { $0 === chosen }) {
            request.tried.insert(index)
        }
        server = chosen
        request.upstreamAddress = chosen.name
        chosen.active.wrappingIncrement(ordering: .relaxed)
        chosen.requests.wrappingIncrement(ordering: .relaxed)
        attemptID &+= 1
        if let pooled = loop.pool.checkout(chosen) {
            attach(pooled)
            return
        }
        let id = attemptID
        loop.stats.upstreamConnectionsOpened.wrappingIncrement(ordering: .relaxed)
        loop.pool.noteOpened()
        UpstreamConnector.connect(to: chosen, on: context.eventLoop, connectTimeout: snapshot.connectTimeout)
            .assumeIsolatedUnsafeUnchecked()
            .whenComplete { [self] result in
                switch result {
                case .success(let connection):
                    guard id == self.attemptID, !self.closing, self.server === chosen else {
                        connection.abort()
                        return
                    }
                    self.attach(connection)
                case .failure(let error):
                    guard id == self.attemptID, self.server === chosen else { return }
                    let timedOut = (error as? ChannelError).map { if case .connectTimeout = $0 { true } else { false } }
                    self.attemptFailed(
                        timedOut == true ? .connectTimeout : .error,
                        detail: ConnectFailure.describe(error)
                    )
                }
            }
    }

    private func attach(_ connection: UpstreamHandler) {
        switch machine.upstreamAttached() {
        case .release:
            loop.pool.checkin(connection, keepalive: snapshot.groups[request.groupIndex].config.keepalive)
        case .sendRequest(let fromReplay, let end):
            upstream = connection
            connection.beginExchange(
                delegate: self,
                readTimeout: snapshot.readTimeout,
                sendTimeout: snapshot.sendTimeout,
                isHeadRequest: request.head.method == .HEAD
            )
            connection.sendHead(request.forwardedHead, chunked: request.forwardedChunked)
            let parts = fromReplay ? machine.replayParts : pending
            pending = []
            pendingBytes = 0
            for part in parts { connection.sendBody(part) }
            if end { connection.sendEnd() }
            connection.flush()
            resumeClientReads()
        }
    }

    /// The current attempt failed: count it against the server and let the state machine choose retry or error.
    func attemptFailed(_ failure: ProxyStateMachine.AttemptFailure, detail: String? = nil) {
        if failure != .staleConnection, let server {
            let change = server.attemptFailed(now: UpstreamServer.now())
            loop.events.record(
                change,
                group: snapshot.groups[request.groupIndex].name,
                server: server.name,
                reason: detail ?? failure.reason
            )
        }
        if failure == .staleConnection, let server, machine.responseStarted == false {
            // Not the server's fault: allow the same server again on a fresh connection.
            if let index = snapshot.groups[request.groupIndex].servers.firstIndex(where: { $0 === server }) {
                request.tried.remove(index)
            }
        }
        finishAttempt(reuse: false)
        perform(machine.attemptFailed(failure, now: UpstreamServer.now()))
    }

    /// Ends the current attempt: releases the server's in-flight slot and the connection (to the pool or closed).
    func finishAttempt(reuse: Bool) {
        attemptID &+= 1
        if let server {
            server.active.wrappingDecrement(ordering: .relaxed)
            self.server = nil
        }
        if let connection = upstream {
            upstream = nil
            if reuse {
                connection.endExchange()
                loop.pool.checkin(connection, keepalive: snapshot.groups[request.groupIndex].config.keepalive)
            } else {
                connection.abort()
            }
        }
    }

    func perform(_ action: ProxyStateMachine.FailureAction) {
        switch action {
        case .retry:
            startAttempt()
        case .respond(let status, let close):
            sendLocalResponse(status, close: close)
        case .closeClient:
            close()
        case .none:
            break
        }
    }
}
