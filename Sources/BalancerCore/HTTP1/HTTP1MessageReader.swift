import NIOCore

/// What tells a request from a response to `HTTP1MessageReader`: how a head is parsed, what comes before it, and what
/// a head means for what follows it.
package protocol HTTP1MessageRules {
    associatedtype Head: HTTP1ReceivedHead

    /// Parses a complete head, its list of lines taken from `lists`.
    static func parse(_ bytes: UnsafeRawBufferPointer, lists: inout HTTP1FieldListPool) throws(HTTP1ParseError) -> Head

    /// Consumes what may stand before a head and is no part of it.
    func skipBeforeHead(_ buffer: inout ByteBuffer)

    /// Decides what follows `head`, completing it on the way; `bufferedBodyBytes`: bytes already received after it.
    func afterHead(_ head: inout Head, bufferedBodyBytes: Int) throws(HTTP1ParseError) -> HTTP1AfterHead
}

extension HTTP1MessageRules {
    /// Nothing stands before a head.
    func skipBeforeHead(_ buffer: inout ByteBuffer) {}
}

/// What follows a head just read.
package enum HTTP1AfterHead {
    /// Its body, framed so; the head is handed out.
    case body(HTTP1BodyDecoder.Framing)
    /// Nothing more is read on this connection; the head is handed out for its answer.
    case stop
    /// An interim head, dropped; the next head follows.
    case skip
}

/// The reading both decoders share: the bytes received and not yet handed out, a head read off their front (at
/// most `maxHeadSize`), then its body. The decoders embed one and keep only what differs: the rules, and what
/// happens between messages (a request decoder pauses after each, a response decoder waits to be told one comes).
package struct HTTP1MessageReader<Rules: HTTP1MessageRules> {
    @usableFromInline enum State {
        /// A message ended: nothing is read until the next one is expected (`expectHead`).
        case idle
        case head(scanned: Int)
        case body(HTTP1BodyDecoder)
        /// A head was refused: no further byte is read.
        case stopped
    }

    @usableFromInline var input = HTTP1InputBuffer()
    @usableFromInline var state: State
    @usableFromInline var rules: Rules
    let maxHeadSize: Int

    init(rules: Rules, state: State, maxHeadSize: Int) {
        self.rules = rules
        self.state = state
        self.maxHeadSize = maxHeadSize
    }

    /// After `idle`, the next head may be read (after `stopped`, nothing is).
    mutating func expectHead() {
        if case .idle = state { state = .head(scanned: 0) }
    }

    /// The next event, a head's list of lines taken from `lists`.
    mutating func next(lists: inout HTTP1FieldListPool) throws(HTTP1ParseError) -> HTTP1Event<Rules.Head>? {
        // Nothing to read, or nothing read until a head is expected: answered without taking the bytes out and
        // putting them back (a reference counted twice, for each of the calls that end every read).
        switch state {
        case .idle, .stopped: return nil
        case .head where input.buffer == nil: return nil
        case .head, .body: break
        }
        var buffer = input.checkOut()
        defer { input.checkIn(buffer) }
        return try step(&buffer, lists: &lists)
    }

    private mutating func step(
        _ buffer: inout ByteBuffer,
        lists: inout HTTP1FieldListPool
    ) throws(HTTP1ParseError) -> HTTP1Event<Rules.Head>? {
        while true {
            switch state {
            case .idle, .stopped:
                return nil
            case .head(var scanned):
                rules.skipBeforeHead(&buffer)
                // The head keeps a view of its received bytes (`head.bytes`): it is forwarded from them.
                guard
                    var head = try HTTP1HeadParser.readHead(
                        from: &buffer, scanned: &scanned, maxHeadSize: maxHeadSize,
                        parse: { bytes throws(HTTP1ParseError) in try Rules.parse(bytes, lists: &lists) })
                else {
                    state = .head(scanned: scanned)
                    return nil
                }
                switch try rules.afterHead(&head, bufferedBodyBytes: buffer.readableBytes) {
                case .body(let framing): state = .body(HTTP1BodyDecoder(framing: framing))
                case .stop: state = .stopped
                case .skip:
                    state = .head(scanned: 0)
                    continue
                }
                return .head(head)
            case .body(var body):
                let event: HTTP1Event<Rules.Head>? = try body.nextEvent(&buffer)
                if case .end = event { state = .idle } else { state = .body(body) }
                return event
            }
        }
    }
}
