import XCTest

@testable import BalancerCore

/// The header-value scan reads eight bytes at a time where it can: it must accept, refuse and trim exactly as a
/// byte-by-byte reading of RFC 9110's field-value does, wherever a space, tab, control byte, DEL or obs-text byte
/// falls in or across an eight-byte word.
final class HeaderValueScanTests: XCTestCase {
    /// Value bytes that matter to the scan (CR and LF end lines, and are covered by the framing corpus).
    private static let alphabet: [UInt8] = [
        UInt8(ascii: "a"), UInt8(ascii: "Z"), UInt8(ascii: "0"), UInt8(ascii: ","), UInt8(ascii: "~"), 0x21, 0x7E,
        0x20, 0x20, 0x09, 0x7F, 0x80, 0xC3, 0xFF, 0x00, 0x01, 0x1F, 0x0B,
    ]

    /// Byte-by-byte reading: the value after the colon's whitespace up to CR, every byte a field-value byte,
    /// trailing spaces and tabs trimmed; nil when a byte is not allowed.
    private func reference(_ value: [UInt8]) -> [UInt8]? {
        var start = 0
        while start < value.count, value[start] == 0x20 || value[start] == 0x09 { start += 1 }
        var end = start
        for (index, byte) in value.enumerated().dropFirst(start) {
            guard HTTP1Bytes.isFieldValue(byte) else { return nil }
            if byte != 0x20 && byte != 0x09 { end = index + 1 }
        }
        return Array(value[start..<end])
    }

    private func parsed(_ value: [UInt8]) -> [UInt8]? {
        let head = Array("GET / HTTP/1.1\r\nX-Test:".utf8) + value + Array("\r\nHost: a\r\n\r\n".utf8)
        var lists = HTTP1FieldListPool()
        return head.withUnsafeBytes { bytes -> [UInt8]? in
            guard let parsed = try? HTTP1HeadParser.parseRequest(bytes, lists: &lists), parsed.fields.count == 2
            else { return nil }
            return Array(bytes[parsed.fields[0].value])
        }
    }

    func testScanAgreesWithByteByByteReading() {
        var seeded = SeededBytes(seed: 0x5EED_1234)  // a fixed seed keeps a failure reproducible
        for _ in 0..<20_000 {
            let length = Int(seeded.next() % 41)
            let value = (0..<length).map { _ in Self.alphabet[Int(seeded.next() % UInt64(Self.alphabet.count))] }
            XCTAssertEqual(parsed(value), reference(value), "value bytes \(value)")
        }
    }

    func testLongPlainValuesAndWordEdges() {
        for length in 0..<40 {
            for spot in [-1, 0, 7, 8, length - 1] where spot < length {
                for odd: UInt8 in [0x20, 0x09, 0x7F, 0x80, 0x1F] {
                    var value = [UInt8](repeating: UInt8(ascii: "v"), count: length)
                    if spot >= 0 { value[spot] = odd }
                    XCTAssertEqual(parsed(value), reference(value), "length \(length), 0x\(String(odd, radix: 16)) at \(spot)")
                }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so the random cases are the same on every run.
private struct SeededBytes {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
