import XCTest

@testable import BalancerCore

/// The first bytes of a TLS listener's connection, classified: a handshake at its first byte, plain HTTP once a
/// method and its space have come, more bytes while only method characters have, and anything else left to TLS.
final class TLSPortPrefaceTests: XCTestCase {
    func testFirstBytesAreClassified() {
        let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01]
        let cases: [(String, [UInt8], TLSPortPreface)] = [
            ("nothing yet", [], .needMore),
            ("a ClientHello", clientHello, .tls),
            ("a handshake record's first byte alone", [0x16], .tls),
            ("GET", Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8), .plainHTTP(method: "GET")),
            ("HEAD", Array("HEAD / HTTP/1.1\r\n".utf8), .plainHTTP(method: "HEAD")),
            ("a method with - and _", Array("M-SEARCH_X * HTTP/1.1\r\n".utf8), .plainHTTP(method: "M-SEARCH_X")),
            ("HTTP/2 prior knowledge", Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8), .plainHTTP(method: "PRI")),
            ("a PROXY header on a listener without proxy_protocol",
             Array("PROXY TCP4 203.0.113.7 10.0.0.1 5000 443\r\n".utf8), .plainHTTP(method: "PROXY")),
            ("one letter", Array("G".utf8), .needMore),
            ("a method without its space yet", Array("OPTIONS".utf8), .needMore),
            ("the longest method we wait for", Array(String(repeating: "A", count: 20).utf8), .needMore),
            ("the longest method and its space", Array((String(repeating: "A", count: 20) + " ").utf8),
             .plainHTTP(method: String(repeating: "A", count: 20))),
            ("letters past the longest method", Array(String(repeating: "A", count: 21).utf8), .other),
            ("a lower-case method", Array("get / HTTP/1.1\r\n".utf8), .other),
            ("a method starting with -", Array("-GET / HTTP/1.1\r\n".utf8), .other),
            ("no method before the space", Array(" / HTTP/1.1\r\n".utf8), .other),
            ("a tab after the method", Array("GET\t/ HTTP/1.1\r\n".utf8), .other),
            ("a NUL after the method", [0x47, 0x45, 0x54, 0x00], .other),
            ("an SSLv2-style hello", [0x80, 0x2E, 0x01, 0x03, 0x01], .other),
            ("a TLS alert record", [0x15, 0x03, 0x03, 0x00, 0x02], .other),
            ("a CRLF first", Array("\r\nGET / HTTP/1.1\r\n".utf8), .other),
        ]
        for (name, bytes, expected) in cases {
            XCTAssertEqual(TLSPortPreface.classify(bytes), expected, name)
        }
    }

    /// Fed a byte at a time, the answer never changes once it is not `needMore`: a split first read is decided
    /// exactly as a whole one.
    func testSplitReadsDecideAsWholeOnes() {
        for text in ["GET /x HTTP/1.1\r\n\r\n", "DELETE /a HTTP/1.1\r\n", "get /", "ABC\u{1}"] {
            let bytes = Array(text.utf8)
            let whole = TLSPortPreface.classify(bytes)
            var decided: TLSPortPreface?
            for end in 1...bytes.count {
                let answer = TLSPortPreface.classify(Array(bytes[..<end]))
                if let decided { XCTAssertEqual(answer, decided, text) }
                if answer != .needMore, decided == nil { decided = answer }
            }
            XCTAssertEqual(decided, whole, text)
        }
    }

    func testThePlainHTTPAnswerSaysToUseHTTPS() {
        let answer = TLSPortPreface.plainHTTPAnswer
        XCTAssertEqual(answer.status, 400)
        XCTAssertTrue(answer.body.contains("https://"))
        XCTAssertEqual(answer.contentType, "text/plain; charset=utf-8")
        XCTAssertNil(answer.location)
    }
}
