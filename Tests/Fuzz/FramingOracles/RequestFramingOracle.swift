#if DEBUG
    import NIOCore
    import NIOHTTP1

    @testable import Balancer
    @testable import BalancerCore

    /// Client bytes through the balancer's request side, and the forwarded stream through an independent parser:
    /// the upstream must read exactly the requests the balancer read, with the same method, target and body, and
    /// nothing else. A client stream the balancer refuses is fine (the client gets 400 and the connection closes);
    /// a forwarded stream read differently upstream is request smuggling.
    ///
    /// Flags: bit 0 lowers the head size limit to 256 bytes, so the "head too large" paths are reached too.
    enum RequestFramingOracle {
        /// What the balancer read and forwarded as one request.
        private struct Forwarded {
            var method: HTTPMethod
            var uri: String
            var body = ByteBuffer()
        }

        /// The peer address and request id the forwarded heads carry; fixed, as they play no part in framing.
        private static let client = ClientAddressLines(address: "192.0.2.1")
        private static let requestID: RequestID = "fuzz-request"

        static func check(_ bytes: [UInt8]) throws(FramingViolation) {
            let input = FuzzInput(bytes)
            let forwarded = forward(input)
            let upstream = IndependentParser<HTTPRequestHead>(HTTPRequestDecoder())
            upstream.receive(forwarded.bytes)
            upstream.close()
            try compare(forwarded.requests, upstream)
        }

        /// Runs the input through the decoder and the forwarding writers as the client connection does, and returns
        /// the requests forwarded in full and the bytes that carried them. A request the decoder fails on midway is
        /// dropped with its bytes: the balancer aborts that upstream connection.
        private static func forward(_ input: FuzzInput) -> (requests: [Forwarded], bytes: ByteBuffer) {
            var decoder = HTTP1RequestDecoder(maxHeadSize: input.flag(0) ? 256 : 16 * 1024)
            let wire = WireRecorder()
            var requests: [Forwarded] = []
            var sent = ByteBuffer()
            var current: Forwarded?
            var framing = HTTP1OutgoingFraming.raw
            var endsHTTP = false

            /// Handles one event; false once the connection stops carrying forwarded HTTP requests.
            func handle(_ event: HTTP1RequestEvent) -> Bool {
                switch event {
                case .head(let received):
                    guard case .success(let bodyFraming) = received.checked else { return false }  // 400, then close
                    let upgrade = WebSocketUpgrade.isRequest(received)
                    var head = ByteBuffer()
                    ForwardedRequest.writeUpstreamHead(
                        received,
                        client: client,
                        requestID: requestID,
                        upgrade: upgrade,
                        into: &head
                    )
                    wire.write(head)
                    framing = bodyFraming == .chunked ? .chunked : .raw
                    current = Forwarded(method: received.method, uri: received.uri)
                    // After a WebSocket upgrade or a CONNECT the upstream may switch protocols: what follows on the
                    // connection is no longer HTTP to either side, so the comparison ends with this request.
                    endsHTTP = upgrade || received.method == .CONNECT
                case .body(let part):
                    wire.context.writeBodyPart(part, framing: framing)
                    current?.body.writeImmutableBuffer(part)
                case .end:
                    if framing == .chunked { wire.context.writeBodyEnd(framing: .chunked, promise: nil) }
                    var bytes = wire.take()
                    sent.writeBuffer(&bytes)
                    if let current { requests.append(current) }
                    current = nil
                    decoder.resume()  // the response went out; the next pipelined request may be read
                    return !endsHTTP
                }
                return true
            }

            do {
                reading: for read in input.reads {
                    decoder.feed(read)
                    while let event = try decoder.next() {
                        guard handle(event) else { break reading }
                    }
                }
                if let event = try decoder.connectionClosed() { _ = handle(event) }
            } catch {
                // The client gets 400 (or the connection is cut); the request in progress never completes upstream.
            }
            return (requests, sent)
        }

        private static func compare(
            _ forwarded: [Forwarded],
            _ upstream: IndependentParser<HTTPRequestHead>
        ) throws(FramingViolation) {
            let read = upstream.messages
            for (index, request) in forwarded.enumerated() {
                guard index < read.count else {
                    if isRefusedRequestLine(request, upstream.error, readCount: read.count, index: index) { return }
                    throw FramingViolation(
                        "upstream read \(read.count) request(s), balancer forwarded \(forwarded.count); "
                            + "upstream error: \(upstream.error.map { "\($0)" } ?? "none")"
                    )
                }
                let other = read[index]
                guard other.head.method == request.method, other.head.uri == request.uri else {
                    throw FramingViolation(
                        "request \(index): balancer read \(request.method) \(request.uri), "
                            + "upstream read \(other.head.method) \(other.head.uri)"
                    )
                }
                guard other.body == request.body, other.isComplete else {
                    throw FramingViolation(
                        "request \(index): balancer forwarded a \(request.body.readableBytes)-byte body, upstream "
                            + "read \(other.body.readableBytes) bytes\(other.isComplete ? "" : " and no end")"
                    )
                }
            }
            guard read.count == forwarded.count else {
                throw FramingViolation("upstream read \(read.count) requests, balancer forwarded \(forwarded.count)")
            }
            if let error = upstream.error {
                throw FramingViolation("upstream parser failed after the forwarded requests: \(error)")
            }
        }

        /// Whether the upstream parser refused request `index`'s request line itself, before reading anything of
        /// it: a method llhttp does not know, or a target it does not accept. The balancer forwards both as
        /// received; the upstream answers 400 and closes, and no bytes are read as another request.
        private static func isRefusedRequestLine(
            _ request: Forwarded,
            _ error: (any Error)?,
            readCount: Int,
            index: Int
        ) -> Bool {
            guard readCount == index, let error = error as? HTTPParserError else { return false }
            switch error {
            case .invalidMethod:
                if case .RAW = request.method { return true }
                return false
            case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment, .invalidHost, .invalidPort:
                return true
            default:
                return false
            }
        }
    }
#endif
