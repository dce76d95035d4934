import BalancerCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// What a client connection does for the file responses its `StaticResponder` writes: the connection's state
/// machine decides keep-alive, timers and the close (`ProxyStateMachine+Files`), the connection logs.
protocol StaticResponderDelegate: AnyObject {
    /// The head is about to be written; whether it may leave the connection open.
    func staticResponseStarting() -> Bool
    /// The whole response was written (or its write failed), `written` being that write's future, completed; or,
    /// for a small response on a connection that stays, handed to the channel and flushed (`written` nil).
    func staticResponseFinished(status: HTTPResponseStatus, bodyBytes: Int64, written: EventLoopFuture<Void>?)
    /// The body could not be sent in full after the head went out (the file shrank): the connection must close.
    func staticResponseFailed()
    /// A header the connection's listener adds to every response (`Strict-Transport-Security` on TLS), if any.
    var connectionHeader: EncodedHeaderLine? { get }
}

/// Sends the answers of a static route on one client connection: looks the request path up in the loop's
/// open-file cache, goes to the file thread pool for what is not there or no longer trusted, and writes what the
/// plan says — small and compressed bodies with the head in one write, larger files with `sendfile` from the
/// descriptor the cache keeps. Mechanics only; what to answer is `StaticResponsePlan`'s.
///
/// Loop-bound, like the handler that owns it.
final class StaticResponder {
    /// Strong, and let go of in `cancel()` when the connection closes: a weak reference would give the connection's
    /// handler a side table, and every retain and release of it would then take the runtime's slow path.
    private var delegate: StaticResponderDelegate?
    private let loop: LoopContext
    /// Bumped per request and on close: a completion from the thread pool for an earlier request is dropped.
    private var generation = 0
    /// Checks, while a `sendfile` is still in progress, that the file did not shrink (see `watch`).
    private var watchdog: Scheduled<Void>?
    /// The serial number of the `sendfile` region being written, if any (the newest one is watched).
    private var regionInFlight: Int?
    private var regionSerial = 0

    /// How often a `sendfile` still in progress has its file's size checked. A file truncated under a region
    /// being sent makes `sendfile` return 0 forever; the check turns that into a closed connection.
    static let watchInterval = TimeAmount.milliseconds(250)
    /// A file goes out in regions of this size, the next one written when the last is sent: the connection's
    /// writability then follows the client's reading, so `send_timeout` measures a stall, not the whole transfer.
    static let regionSize: Int64 = 256 << 10
    /// A response up to this size in one buffer is reported done as soon as it is handed over.
    static let smallResponse = 32 << 10

    init(loop: LoopContext, delegate: StaticResponderDelegate) {
        self.loop = loop
        self.delegate = delegate
    }

    /// The connection closed: drop whatever is still on its way, and the connection itself.
    func cancel() {
        delegate = nil
        generation &+= 1
        regionInFlight = nil
        watchdog?.cancel()
        watchdog = nil
    }

    /// Answers `head` (GET or HEAD, checked by the state machine) from `route`'s files.
    func serve(
        _ route: StaticRoute,
        head: HTTP1RequestHead,
        requestID: RequestID,
        snapshot: ProxySnapshot,
        context: ChannelHandlerContext
    ) {
        generation &+= 1
        let response = Response(head: head, requestID: requestID, snapshot: snapshot, context: context)
        let path = StaticPath.resolve(uri: head.uri, hiddenFiles: route.config.hiddenFiles)
        guard case .file(let relative, let directory) = path else {
            sendError(.notFound, response)
            return
        }
        let request = StaticRequest(head)
        let key = StaticFileCache.Key(route: route.index, relative: relative, directory: directory)
        let now = loop.clock.now
        switch loop.files.lookup(key, now: now) {
        case .fresh(let entry):
            if !serve(from: entry, route, request, response) {
                load(route, path, request, response, key: key, now: now, known: entry.resolution, previous: nil)
            }
        case .stale(let entry):
            load(route, path, request, response, key: key, now: now, known: nil, previous: entry)
        case .missing:
            load(route, path, request, response, key: key, now: now, known: nil, previous: nil)
        }
    }

    /// Answers from what the cache keeps for the path; false when the body the answer needs is not loaded yet.
    private func serve(
        from entry: StaticFileCache.Entry,
        _ route: StaticRoute,
        _ request: StaticRequest,
        _ response: Response
    ) -> Bool {
        let unconditional = request.isUnconditionalWhole
        if unconditional, let answer = entry.preparedAnswer(to: request) {
            send(answer, response)
            return true
        }
        switch entry.resolution {
        case .notFound:
            sendError(.notFound, response)
        case .redirect(let location):
            sendError(.movedPermanently, response, headers: [("Location", location)])
        case .file(let file):
            let plan = route.plan(request, for: file)
            let body: StaticBody?
            if !plan.writesBody || plan.body == nil {
                body = nil
            } else if let loaded = entry.bodies[StaticFileCache.bodyKey(plan)] {
                body = loaded
            } else {
                return false
            }
            guard unconditional else {
                send(plan, body: body, response)
                return true
            }
            let answer = StaticPreparedAnswer(
                request: request, plan: plan, body: body, allocator: response.context.channel.allocator)
            entry.keep(answer)
            send(answer, response)
        }
        return true
    }

    /// One trip to the thread pool: resolves the path (unless `known`), loads the body, and answers.
    private func load(
        _ route: StaticRoute,
        _ path: StaticPath,
        _ request: StaticRequest,
        _ response: Response,
        key: StaticFileCache.Key,
        now: NIODeadline,
        known: StaticResolution?,
        previous: StaticFileCache.Entry?
    ) {
        let generation = self.generation
        let allocator = response.context.channel.allocator
        let uri = response.uri
        let previousResolution = previous?.resolution
        NIOThreadPool.singleton.runIfActive(eventLoop: response.context.eventLoop) {
            StaticFileLoader.load(
                route: route, path: path, uri: uri, request: request, known: known, previous: previousResolution,
                allocator: allocator)
        }.assumeIsolatedUnsafeUnchecked().whenComplete { [self] result in
            guard case .success(let loaded) = result else {
                // The pool is shutting down: the stale entry is not being looked at any more.
                if let previous { loop.files.renew(previous, checkedAt: previous.checkedAt) }
                if generation == self.generation { sendError(.serviceUnavailable, response) }
                return
            }
            if case .unchanged = loaded.outcome, let previous {
                loop.files.renew(previous, checkedAt: now)
                guard generation == self.generation else { return }
                if !serve(from: previous, route, request, response) {
                    load(route, path, request, response, key: key, now: now, known: loaded.resolution, previous: nil)
                }
                return
            }
            let cached = loaded.resolvedNow
                ? loop.files.store(key, resolution: loaded.resolution, checkedAt: now)
                : loop.files.entry(key, resolution: loaded.resolution)
            guard generation == self.generation else { return }
            switch loaded.outcome {
            case .plan(let plan, let body):
                if let body, let cached { loop.files.add(body, as: StaticFileCache.bodyKey(plan), to: cached, key: key) }
                send(plan, body: body, response)
            case .redirect(let location):
                sendError(.movedPermanently, response, headers: [("Location", location)])
            case .notFound, .unchanged:
                sendError(.notFound, response)
            case .forbidden:
                sendError(.forbidden, response)
            }
        }
    }

    /// The request being answered: what of its head the answer needs, not the head (whose header lines are read
    /// once, into the `StaticRequest`).
    private struct Response {
        var uri: String
        var version: HTTPVersion
        var isHead: Bool
        var requestID: RequestID
        var snapshot: ProxySnapshot
        var context: ChannelHandlerContext

        init(
            head: borrowing HTTP1RequestHead, requestID: RequestID, snapshot: ProxySnapshot, context: ChannelHandlerContext
        ) {
            uri = head.uri
            version = head.version
            isHead = head.method.isHEAD
            self.requestID = requestID
            self.snapshot = snapshot
            self.context = context
        }
    }

    /// Sends a prepared answer: its values and head lines as they are kept, nothing of its plan copied.
    private func send(_ answer: StaticPreparedAnswer, _ response: Response) {
        write(answer.sending, body: answer.body, response) { $0.writeImmutableBuffer(answer.fixedLines) }
    }

    private func send(_ plan: StaticResponsePlan, body: StaticBody?, _ response: Response) {
        switch plan.status {
        case .preconditionFailed:
            sendError(.preconditionFailed, response)
            return
        case .rangeNotSatisfiable:
            sendError(.rangeNotSatisfiable, response, headers: [("Content-Range", plan.contentRange ?? "")])
            return
        default:
            break
        }
        let sending = StaticSending(plan, body: body)
        write(sending, body: body, response) {
            StaticResponseHead.writeFixedLines(plan, contentLength: sending.headLength, into: &$0)
        }
    }

    /// Writes the head (`fixedLines` writing its lines from `Content-Type` to `Cache-Control`) and the body.
    private func write(
        _ sending: StaticSending,
        body: StaticBody?,
        _ response: Response,
        fixedLines: (inout ByteBuffer) -> Void
    ) {
        guard let delegate else { return }
        let context = response.context
        let keepAlive = delegate.staticResponseStarting()
        loop.refreshDates()
        let slice = sending.slice
        let memory: ByteBuffer? = {
            guard case .memory(let bytes)? = body, let slice else { return nil }
            return bytes.getSlice(at: bytes.readerIndex + Int(slice.offset), length: Int(slice.count))
        }()
        var out = context.channel.allocator.buffer(capacity: 640 + (memory?.readableBytes ?? 0))
        StaticResponseHead.write(
            sending,
            version: response.version,
            keepAlive: keepAlive,
            requestID: response.requestID,
            snapshot: response.snapshot,
            dates: loop.dates,
            connectionHeader: delegate.connectionHeader,
            into: &out,
            fixedLines: fixedLines
        )
        if let memory { out.writeImmutableBuffer(memory) }
        guard case .file(let file)? = body, let slice, slice.count > 0 else {
            let bodyBytes = Int64(memory?.readableBytes ?? 0)
            // One write below the connection's high-water mark: no stall for send_timeout to catch, so the
            // connection moves on at once, without a promise per response.
            if keepAlive && out.readableBytes <= Self.smallResponse {
                context.writeAndFlush(NIOAny(out), promise: nil)
                delegate.staticResponseFinished(status: sending.status, bodyBytes: bodyBytes, written: nil)
                return
            }
            finish(sending.status, bodyBytes: bodyBytes, context.writeAndFlush(NIOAny(out)))
            return
        }
        context.write(NIOAny(out), promise: nil)
        let end = slice.offset + slice.count
        regionSerial &+= 1
        let serial = regionSerial
        regionInFlight = serial
        watch(file, end: end, serial: serial)
        let status = sending.status
        sendRegions(of: file, from: slice.offset, to: end, serial: serial, context: context) { [self] written in
            finish(status, bodyBytes: slice.count, written)
        }
    }

    /// Writes `file` from `offset` to `end` one region at a time, then calls `done` with the last write.
    private func sendRegions(
        of file: OpenStaticFile,
        from offset: Int64,
        to end: Int64,
        serial: Int,
        context: ChannelHandlerContext,
        done: @escaping (EventLoopFuture<Void>) -> Void
    ) {
        let stop = min(end, offset + Self.regionSize)
        let region = FileRegion(fileHandle: file.handle, readerIndex: Int(offset), endIndex: Int(stop))
        let written = context.writeAndFlush(NIOAny(IOData.fileRegion(region)))
        // The descriptor stays open until the last region is sent, whatever the cache does meanwhile.
        written.assumeIsolatedUnsafeUnchecked().whenComplete { [self] result in
            if case .success = result, stop < end, regionInFlight == serial {
                sendRegions(of: file, from: stop, to: end, serial: serial, context: context, done: done)
                return
            }
            withExtendedLifetime(file) {}
            if regionInFlight == serial {
                regionInFlight = nil
                watchdog?.cancel()
                watchdog = nil
            }
            done(written)
        }
    }

    /// Reports the response once `written` completes: the connection's timers and keep-alive follow the bytes.
    private func finish(_ status: HTTPResponseStatus, bodyBytes: Int64, _ written: EventLoopFuture<Void>) {
        written.assumeIsolatedUnsafeUnchecked().whenComplete { [self] _ in
            delegate?.staticResponseFinished(status: status, bodyBytes: bodyBytes, written: written)
        }
    }

    /// While the region is being written, checks every `watchInterval` on the thread pool that `file` still holds `end`
    /// bytes; when it does not, the response cannot be completed and the connection is closed.
    private func watch(_ file: OpenStaticFile, end: Int64, serial: Int) {
        watchdog = loop.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: Self.watchInterval) { [self] in
            guard regionInFlight == serial else { return }
            NIOThreadPool.singleton.runIfActive(eventLoop: loop.eventLoop) {
                (try? file.handle.withUnsafeFileDescriptor { PosixStaticFileSystem.status(descriptor: $0)?.size }) ?? nil
            }.assumeIsolatedUnsafeUnchecked().whenSuccess { [self] size in
                guard regionInFlight == serial else { return }
                if let size, size >= end {
                    watch(file, end: end, serial: serial)
                } else {
                    regionInFlight = nil
                    delegate?.staticResponseFailed()
                }
            }
        }
    }

    /// A response of the balancer's own (404, 403, 301, 412, 416, 503) with its JSON body.
    private func sendError(_ status: HTTPResponseStatus, _ response: Response, headers: [(String, String)] = []) {
        guard let delegate else { return }
        let keepAlive = delegate.staticResponseStarting()
        loop.refreshDates()
        let encoded = LocalResponse.encode(
            status: status,
            version: response.version,
            close: !keepAlive,
            requestID: response.requestID,
            snapshot: response.snapshot,
            date: loop.dates.httpDate,
            allocator: response.context.channel.allocator,
            extraHeaders: headers,
            connectionHeader: delegate.connectionHeader,
            isHeadRequest: response.isHead
        )
        finish(status, bodyBytes: Int64(encoded.bodyBytes), response.context.writeAndFlush(NIOAny(encoded.bytes)))
    }
}
