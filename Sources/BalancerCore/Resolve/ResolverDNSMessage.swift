/// The two DNS messages the upstream resolver exchanges (RFC 1035): a recursive query for a name's A records,
/// and the answer to it decoded into IPv4 addresses. Pure bytes in and out, so it is tested on fixtures.
package enum ResolverDNSMessage {
    /// Why a response is not usable, each worded for the one log line a failing resolution writes.
    package enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidName(String)
        case truncated
        case idMismatch(expected: UInt16, got: UInt16)
        case notAResponse
        /// The server answered with a response code other than 0 (3 = the name does not exist).
        case responseCode(Int)
        case malformed(String)

        package var description: String {
            switch self {
            case .invalidName(let name): return "\(name) is not a valid DNS name"
            case .truncated: return "the response is truncated (more records than fit in UDP)"
            case .idMismatch(let expected, let got): return "response id \(got) does not match query id \(expected)"
            case .notAResponse: return "the message is a query, not a response"
            case .responseCode(3): return "the name does not exist (NXDOMAIN)"
            case .responseCode(let code): return "the server answered with response code \(code)"
            case .malformed(let what): return "malformed response: \(what)"
            }
        }
    }

    /// The A records of an answer.
    package struct Answer: Equatable {
        /// Dotted IPv4 addresses in the order the server gave them.
        package var addresses: [String]
        /// The smallest TTL among them, in seconds (0 when there are none).
        package var ttl: UInt32
    }

    /// A query with recursion desired for the A records of `name`.
    package static func query(id: UInt16, name: String) throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 253 else { throw .invalidName(name) }
        for label in labels {
            // Label lengths are one byte with the top two bits reserved for compression pointers.
            guard (1...63).contains(label.utf8.count) else { throw .invalidName(name) }
            bytes.append(UInt8(label.utf8.count))
            bytes += label.utf8
        }
        bytes += [0, 0, 1, 0, 1]
        return bytes
    }

    /// Decodes the response to the query with `expectedID`.
    package static func parseResponse(_ bytes: [UInt8], expectedID: UInt16) throws(Failure) -> Answer {
        var reader = Reader(bytes: bytes)
        let id = try reader.u16()
        guard id == expectedID else { throw .idMismatch(expected: expectedID, got: id) }
        let flags = try reader.u16()
        guard flags & 0x8000 != 0 else { throw .notAResponse }
        guard flags & 0x0200 == 0 else { throw .truncated }
        let code = Int(flags & 0x000F)
        guard code == 0 else { throw .responseCode(code) }
        let questions = try reader.u16()
        let answers = try reader.u16()
        _ = try reader.u16()
        _ = try reader.u16()
        for _ in 0..<questions {
            try reader.skipName()
            try reader.skip(4)
        }
        var addresses: [String] = []
        var ttl = UInt32.max
        for _ in 0..<answers {
            try reader.skipName()
            let type = try reader.u16()
            let recordClass = try reader.u16()
            let recordTTL = try reader.u32()
            let length = Int(try reader.u16())
            let data = try reader.take(length)
            // CNAME records ahead of the A records are skipped: the server already followed them.
            guard type == 1, recordClass == 1 else { continue }
            guard length == 4 else { throw .malformed("an A record of \(length) bytes") }
            addresses.append(data.map(String.init).joined(separator: "."))
            ttl = min(ttl, recordTTL)
        }
        return Answer(addresses: addresses, ttl: addresses.isEmpty ? 0 : ttl)
    }

    /// Bounds-checked big-endian reading.
    private struct Reader {
        package let bytes: [UInt8]
        package var offset = 0

        package mutating func take(_ count: Int) throws(Failure) -> ArraySlice<UInt8> {
            guard count >= 0, offset + count <= bytes.count else { throw .malformed("ends early at byte \(offset)") }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }

        package mutating func skip(_ count: Int) throws(Failure) { _ = try take(count) }

        package mutating func u16() throws(Failure) -> UInt16 {
            let b = try take(2)
            return UInt16(b[b.startIndex]) << 8 | UInt16(b[b.startIndex + 1])
        }

        package mutating func u32() throws(Failure) -> UInt32 {
            UInt32(try u16()) << 16 | UInt32(try u16())
        }

        /// Skips a name: labels up to the root, or up to a compression pointer (which ends the name here).
        package mutating func skipName() throws(Failure) {
            for _ in 0..<128 {
                let length = try take(1).first!
                if length == 0 { return }
                if length & 0xC0 == 0xC0 {
                    try skip(1)
                    return
                }
                guard length & 0xC0 == 0 else { throw .malformed("label type \(length >> 6)") }
                try skip(Int(length))
            }
            throw .malformed("a name of more than 127 labels")
        }
    }
}
