/// Reads the PROXY protocol header at the start of a connection, as AWS's Network Load Balancer (version 2, with
/// TLVs) and HAProxy (`send-proxy` v1, `send-proxy-v2`) send it, strictly by HAProxy's specification
/// (proxy-protocol.txt): anything else is refused and the connection closed.
///
/// Incremental and pure: it is handed every byte received so far and answers whether the header is complete,
/// needs more bytes, or cannot be one; `ProxyProtocolHandler` only buffers and acts on the answer.
package enum ProxyProtocolParser {
    package enum Result: Equatable {
        /// Every byte so far may still begin a valid header.
        case needMore
        /// A complete header of `length` bytes; what follows it is the client's first request.
        case header(ProxyProtocolHeader, length: Int)
        case invalid(ProxyProtocolError)
    }

    /// The longest version 1 line, CRLF included (spec §2.1).
    package static let v1MaxLength = 107
    /// `\r\n\r\n\0\r\nQUIT\n`, the 12 bytes that open a version 2 header.
    package static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    /// Signature, version and command, family and protocol, length.
    package static let v2FixedLength = 16
    /// The most a header can take: the v2 fixed part and the largest length its 16 bits can say.
    package static let maxLength = v2FixedLength + 0xFFFF

    private static let v1Prefix = Array("PROXY ".utf8)

    package static func parse(_ bytes: [UInt8]) -> Result {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// Parses the header at the start of `bytes` (everything received so far).
    package static func parse(_ bytes: UnsafeRawBufferPointer) -> Result {
        guard let first = bytes.first else { return .needMore }
        if first == v2Signature[0] { return parseV2(bytes) }
        if first == v1Prefix[0] { return parseV1(bytes) }
        return .invalid(.missing)
    }

    // MARK: - Version 1

    private static func parseV1(_ bytes: UnsafeRawBufferPointer) -> Result {
        let prefixLength = min(bytes.count, v1Prefix.count)
        guard bytes.prefix(prefixLength).elementsEqual(v1Prefix.prefix(prefixLength)) else { return .invalid(.missing) }
        // The line ends at the first CR, which must be followed by LF, within 107 bytes.
        let tooLong = ProxyProtocolError.malformedV1("no CRLF within \(v1MaxLength) bytes")
        guard let cr = bytes.prefix(v1MaxLength - 1).firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) else {
            return bytes.count >= v1MaxLength - 1 ? .invalid(tooLong) : .needMore
        }
        guard bytes[cr] == 0x0D else { return .invalid(.malformedV1("line feed without carriage return")) }
        guard cr + 1 < bytes.count else { return .needMore }
        guard bytes[cr + 1] == 0x0A else { return .invalid(.malformedV1("carriage return without line feed")) }
        let line = Array(bytes[v1Prefix.count..<cr])
        switch v1Fields(line) {
        case .success(let header): return .header(header, length: cr + 2)
        case .failure(let error): return .invalid(error)
        }
    }

    /// The fields after `PROXY `: `UNKNOWN[ anything]`, or the protocol, two addresses and two ports, each
    /// separated by exactly one space.
    private static func v1Fields(_ line: [UInt8]) -> Swift.Result<ProxyProtocolHeader, ProxyProtocolError> {
        guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            return .failure(.malformedV1("a control or non-ASCII byte in the line"))
        }
        let unknown = Array("UNKNOWN".utf8)
        if line.starts(with: unknown) {
            // "the receiver must ignore anything presented before the CRLF" after UNKNOWN (spec §2.1).
            guard line.count == unknown.count || line[unknown.count] == 0x20 else {
                return .failure(.malformedV1("unknown protocol \(String(decoding: line, as: UTF8.self))"))
            }
            return .success(ProxyProtocolHeader(version: 1, command: .proxy))
        }
        let fields = line.split(separator: 0x20, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard fields.count == 5, !fields.contains(where: \.isEmpty) else {
            return .failure(.malformedV1("expected protocol, two addresses and two ports separated by single spaces"))
        }
        let ipv6: Bool
        switch fields[0] {
        case "TCP4": ipv6 = false
        case "TCP6": ipv6 = true
        default: return .failure(.malformedV1("unknown protocol \(fields[0])"))
        }
        guard let source = v1Address(fields[1], ipv6: ipv6), let destination = v1Address(fields[2], ipv6: ipv6) else {
            return .failure(.malformedV1("addresses are not \(ipv6 ? "IPv6" : "IPv4") literals"))
        }
        guard let sourcePort = v1Port(fields[3]), let destinationPort = v1Port(fields[4]) else {
            return .failure(.malformedV1("ports must be decimal numbers from 0 to 65535 without leading zeros"))
        }
        return .success(ProxyProtocolHeader(
            version: 1, command: .proxy, source: source, sourcePort: sourcePort, destination: destination,
            destinationPort: destinationPort))
    }

    /// An address of the family the protocol names, as a bare literal (no brackets, no port).
    private static func v1Address(_ text: String, ipv6: Bool) -> IPAddress? {
        guard !text.contains("["), text.contains(":") == ipv6, let address = IPAddress(parsing: text) else { return nil }
        // `::ffff:a.b.c.d` is IPv6 text; it stays TCP6 only.
        return ipv6 || address.isIPv4 ? address : nil
    }

    private static func v1Port(_ text: String) -> Int? {
        guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            text == "0" || text.utf8.first != 0x30, let port = Int(text), port <= 65535
        else { return nil }
        return port
    }

    // MARK: - Version 2

    private static func parseV2(_ bytes: UnsafeRawBufferPointer) -> Result {
        let signatureLength = min(bytes.count, v2Signature.count)
        guard bytes.prefix(signatureLength).elementsEqual(v2Signature.prefix(signatureLength)) else {
            return .invalid(.missing)
        }
        guard bytes.count >= v2FixedLength else { return .needMore }
        let versionCommand = bytes[12]
        guard versionCommand >> 4 == 2 else { return .invalid(.malformedV2("version \(versionCommand >> 4), not 2")) }
        let command: ProxyProtocolHeader.Command
        switch versionCommand & 0x0F {
        case 0: command = .local
        case 1: command = .proxy
        default: return .invalid(.malformedV2("command \(versionCommand & 0x0F) is neither LOCAL nor PROXY"))
        }
        let familyProtocol = bytes[13]
        // Only these pairs are defined; "other values ... must be rejected as invalid by receivers" (§2.2).
        let addressLength: Int
        switch familyProtocol {
        case 0x00: addressLength = 0
        case 0x11, 0x12: addressLength = 12
        case 0x21, 0x22: addressLength = 36
        case 0x31, 0x32: addressLength = 216
        default: return .invalid(.malformedV2("address family and protocol \(hex(familyProtocol))"))
        }
        let length = Int(bytes[14]) << 8 | Int(bytes[15])
        let total = v2FixedLength + length
        if command == .proxy && length < addressLength {
            return .invalid(.malformedV2("length \(length) is shorter than the \(addressLength)-byte address block"))
        }
        guard bytes.count >= total else { return .needMore }
        // LOCAL: the address block, whatever its family, is skipped; TLVs are not read at all (spec §2.2).
        guard command == .proxy else { return .header(ProxyProtocolHeader(version: 2, command: .local), length: total) }
        if let problem = tlvProblem(bytes, from: v2FixedLength + addressLength, to: total) {
            return .invalid(.malformedV2(problem))
        }
        var header = ProxyProtocolHeader(version: 2, command: .proxy)
        let block = v2FixedLength
        switch familyProtocol >> 4 {
        case 1:
            header.source = IPAddress(bytes: bytes[block..<block + 4])
            header.destination = IPAddress(bytes: bytes[block + 4..<block + 8])
            header.sourcePort = port(bytes, at: block + 8)
            header.destinationPort = port(bytes, at: block + 10)
        case 2:
            header.source = IPAddress(bytes: bytes[block..<block + 16])
            header.destination = IPAddress(bytes: bytes[block + 16..<block + 32])
            header.sourcePort = port(bytes, at: block + 32)
            header.destinationPort = port(bytes, at: block + 34)
        default:
            break  // UNSPEC or a UNIX socket: no IP address to take; the connection's own endpoints are used
        }
        return .header(header, length: total)
    }

    /// `0x1f`, for messages.
    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "0x\(digits[Int(byte >> 4)])\(digits[Int(byte & 0x0F)])"
    }

    private static func port(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int {
        Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    /// Walks the TLVs between `start` and `end` (AWS sends its VPC endpoint id as type 0xEA, HAProxy ALPN, SSL
    /// and unique-id TLVs): each must fit whole inside the header. Their contents are not used.
    private static func tlvProblem(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> String? {
        var offset = start
        while offset < end {
            guard end - offset >= 3 else { return "\(end - offset) stray bytes after the last TLV" }
            let length = Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
            guard offset + 3 + length <= end else {
                return "TLV \(hex(bytes[offset])) of \(length) bytes runs past the header"
            }
            offset += 3 + length
        }
        return nil
    }
}
