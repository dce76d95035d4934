#if DEBUG
    import NIOCore
    import NIOHTTP1

    @testable import Balancer
    @testable import BalancerCore

    /// Upstream bytes through the balancer's response side, and what the client receives through an independent
    /// parser: the client must read exactly one response, with the status and body the balancer read, and nothing
    /// after it. A response the balancer cannot read is fine (502, or the client connection is cut); one the client
    /// reads differently lets an upstream's bytes pose as the next response.
    ///
    /// Flags: bit 0 the request was `HEAD`; bit 1 the client speaks HTTP/1.0; bit 2 the client's connection may stay
    /// open; bit 3 the request asked for a WebSocket upgrade; bit 4 the route caches static assets.
    enum ResponseFramingOracle {
        /// What the balancer read from the upstream and relayed.
        private struct Relayed {
            var status: Int
            var body = ByteBuffer()
            var keepAlive = true
            var isSwitchingProtocols = false
        }

        /// Where relaying stands after an upstream event.
        private enum Step {
            case more
            case complete
            /// The balancer answers the client itself instead (e.g. 502 for an unasked-for 101).
            case abandoned
        }

        /// One proxy config for every input: two configured response headers and a static-asset cache policy, so
        /// the rewriter's merging and cache paths run too.
        private static let snapshot: ProxySnapshot = {
            let yaml = """
                listen: 127.0.0.1:8080
                response_headers:
                  X-Frame-Options: SAMEORIGIN
                  X-Content-Type-Options: nosniff
                upstreams:
                  web:
                    servers: [127.0.0.1:3000]
                routes:
                  - prefix: /
                    upstream: web
                    cache_static: {extensions: [js], max_age: 1h}
                """
            // A fixed, valid config: failing to load it is a broken harness, not a finding.
            return ProxySnapshot(config: try! ConfigLoader.parse(yaml: yaml, path: "fuzz.yaml"), generation: 1)
        }()

        static func check(_ bytes: [UInt8]) throws(FramingViolation) {
            let input = FuzzInput(bytes)
            let isHead = input.flag(0)
            let version: HTTPVersion = input.flag(1) ? .http1_0 : .http1_1
            let wire = WireRecorder()
            guard let relayed = relay(input, isHead: isHead, clientVersion: version, wire: wire) else { return }

            let client = IndependentParser<HTTPResponseHead>(HTTPResponseDecoder())
            client.announce(.head(HTTPRequestHead(version: version, method: isHead ? .HEAD : .GET, uri: "/app.js")))
            client.receive(wire.take())
            if relayed.keepAlive && !relayed.isSwitchingProtocols {
                // The client keeps the connection open, so the response must end without a close.
                guard client.messages.first?.isComplete == true else {
                    throw FramingViolation("keep-alive response (status \(relayed.status)) did not end before a close")
                }
            }
            client.close()
            try compare(relayed, client)
        }

        /// Runs the input through the response decoder, the head rewriter and the body framing as the upstream and
        /// client connections do, writing the client's bytes to `wire`; nil when no complete response was relayed.
        private static func relay(
            _ input: FuzzInput,
            isHead: Bool,
            clientVersion: HTTPVersion,
            wire: WireRecorder
        ) -> Relayed? {
            var decoder = HTTP1ResponseDecoder()
            decoder.expectResponse(isHeadRequest: isHead)
            var relayed: Relayed?
            var framing = HTTP1OutgoingFraming.raw

            /// Handles one event: whether the response is still coming, complete, or not relayed at all.
            func handle(_ event: HTTP1ResponseEvent) -> Step {
                switch event {
                case .head(let head):
                    var out = ByteBuffer()
                    if head.status == 101 {
                        // Only an upgrade request may be answered with 101 (otherwise the balancer answers 502); the
                        // connection is a tunnel after the head.
                        guard input.flag(3) else { return .abandoned }
                        ResponseHeadRewriter.writeSwitchingProtocolsHead(head, requestID: "fuzz-response", into: &out)
                        wire.write(out)
                        relayed = Relayed(status: 101, isSwitchingProtocols: true)
                        return .complete
                    }
                    let rewritten = ResponseHeadRewriter.writeClientHead(
                        head,
                        clientVersion: clientVersion,
                        clientKeepAlive: input.flag(2),
                        isHeadRequest: isHead,
                        requestID: "fuzz-response",
                        cache: input.flag(4) ? snapshot.routes[0].cache : nil,
                        uri: "/app.js",
                        snapshot: snapshot,
                        dates: HTTPDateCache(),
                        into: &out
                    )
                    wire.write(out)
                    framing = rewritten.framing
                    relayed = Relayed(status: head.status, keepAlive: rewritten.keepAlive)
                case .body(let part):
                    wire.context.writeBodyPart(part, framing: framing)
                    relayed?.body.writeImmutableBuffer(part)
                case .end:
                    wire.context.writeBodyEnd(framing: framing, promise: nil)
                    return .complete
                }
                return .more
            }

            do {
                for read in input.reads {
                    decoder.feed(read)
                    while let event = try decoder.next() {
                        switch handle(event) {
                        case .more: continue
                        case .complete: return relayed
                        case .abandoned: return nil
                        }
                    }
                }
                // The upstream closed after sending everything: that ends a body delimited by the close.
                if let event = try decoder.connectionClosed(), handle(event) == .complete { return relayed }
            } catch {
                // 502 before a head; after one, the client connection is cut mid-response. Nothing to compare.
            }
            return nil
        }

        private static func compare(_ relayed: Relayed, _ client: IndependentParser<HTTPResponseHead>)
            throws(FramingViolation)
        {
            guard let response = client.messages.first else {
                throw FramingViolation(
                    "client read no response (balancer relayed status \(relayed.status)); "
                        + "client error: \(client.error.map { "\($0)" } ?? "none")"
                )
            }
            guard Int(response.head.status.code) == relayed.status else {
                throw FramingViolation("client read status \(response.head.status.code), balancer relayed \(relayed.status)")
            }
            if relayed.isSwitchingProtocols {
                // What follows a 101 is tunnel bytes, not HTTP: only the head is compared.
                return
            }
            guard response.body == relayed.body, response.isComplete else {
                throw FramingViolation(
                    "client read a \(response.body.readableBytes)-byte body\(response.isComplete ? "" : " and no end"), "
                        + "balancer relayed \(relayed.body.readableBytes) bytes (status \(relayed.status))"
                )
            }
            guard client.messages.count == 1, client.error == nil else {
                throw FramingViolation(
                    "client read \(client.messages.count) responses after status \(relayed.status); "
                        + "client error: \(client.error.map { "\($0)" } ?? "none")"
                )
            }
        }
    }
#endif
