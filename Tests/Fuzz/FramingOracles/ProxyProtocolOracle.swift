#if DEBUG
    @testable import BalancerCore

    /// Connection preambles through `ProxyProtocolParser` as a PROXY listener reads them, in two reads: the parser
    /// must answer the same for the bytes in pieces as for all of them at once (a header found in a prefix is the
    /// header of the whole, a refused prefix refuses the whole), never take more than it was given or than the
    /// protocol allows, and a header it accepts must say what it was given: written out again (v1 as text, v2 as
    /// binary) it parses to the same header. No flags.
    enum ProxyProtocolOracle {
        static func check(_ bytes: [UInt8]) throws(FramingViolation) {
            let input = FuzzInput(bytes)
            let whole = input.reads.flatMap { Array($0.readableBytesView) }
            let all = ProxyProtocolParser.parse(whole)
            if let first = input.reads.first, input.reads.count == 2 {
                let prefix = ProxyProtocolParser.parse(Array(first.readableBytesView))
                switch prefix {
                case .needMore:
                    break
                case .header, .invalid:
                    guard prefix == all else {
                        throw FramingViolation("first read parsed as \(prefix), all bytes as \(all)")
                    }
                }
            }
            guard case .header(let header, let length) = all else { return }
            guard length > 0, length <= whole.count, length <= ProxyProtocolParser.maxLength else {
                throw FramingViolation("header length \(length) of \(whole.count) bytes")
            }
            if header.version == 1 && length > ProxyProtocolParser.v1MaxLength {
                throw FramingViolation("a v1 line of \(length) bytes")
            }
            // Every shorter prefix of the header asks for more: the header's end is where the parser says it is.
            let headerBytes = Array(whole.prefix(length))
            guard ProxyProtocolParser.parse(headerBytes) == all else {
                throw FramingViolation("the header alone parses as \(ProxyProtocolParser.parse(headerBytes))")
            }
            if length > 1, ProxyProtocolParser.parse(Array(headerBytes.dropLast())) != .needMore {
                throw FramingViolation("the header without its last byte is not incomplete")
            }
            guard let rewritten = rewrite(header) else { return }
            guard case .header(let again, _) = ProxyProtocolParser.parse(rewritten), again == header else {
                throw FramingViolation("\(header) written out as \(rewritten) parses as \(ProxyProtocolParser.parse(rewritten))")
            }
        }

        /// The header written out as a sender would, when it names addresses.
        private static func rewrite(_ header: ProxyProtocolHeader) -> [UInt8]? {
            guard header.command == .proxy, let source = header.source, let destination = header.destination else {
                return nil
            }
            if header.version == 1 {
                let v4 = source.isIPv4 && destination.isIPv4
                // TCP6 writes an IPv4-mapped address in its IPv6 form.
                func text(_ address: IPAddress) -> String { v4 || !address.isIPv4 ? "\(address)" : "::ffff:\(address)" }
                let ports = "\(header.sourcePort) \(header.destinationPort)"
                return Array("PROXY \(v4 ? "TCP4" : "TCP6") \(text(source)) \(text(destination)) \(ports)\r\n".utf8)
            }
            let block: [UInt8]
            let family: UInt8
            if source.isIPv4 && destination.isIPv4 {
                block = Array(source.bytes.suffix(4)) + Array(destination.bytes.suffix(4))
                family = 0x11
            } else {
                block = source.bytes + destination.bytes
                family = 0x21
            }
            let ports: [UInt8] = [
                UInt8(header.sourcePort >> 8), UInt8(header.sourcePort & 0xFF),
                UInt8(header.destinationPort >> 8), UInt8(header.destinationPort & 0xFF),
            ]
            let body = block + ports
            return ProxyProtocolParser.v2Signature + [0x21, family, 0, UInt8(body.count)] + body
        }
    }
#endif
