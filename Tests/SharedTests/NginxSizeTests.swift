import Shared
import XCTest

/// Sizes parse the way nginx reads them and print in their shortest exact nginx spelling.
final class NginxSizeTests: XCTestCase {
    func testParsesBytesAndBinarySuffixes() {
        let cases: [(String, Int64)] = [
            ("0", 0), ("512", 512), ("16k", 16 << 10), ("16K", 16 << 10), ("50m", 50 << 20), ("50M", 50 << 20),
            ("1g", 1 << 30), ("2G", 2 << 30), (" 8k ", 8 << 10),
        ]
        for (text, bytes) in cases {
            XCTAssertEqual(NginxSize(parsing: text)?.bytes, bytes, text)
        }
    }

    func testRefusesWhatNginxRefuses() {
        for text in ["", " ", "k", "-1", "-1k", "1.5m", "10 m", "10x", "m10", "1kb", "99999999999999999999",
            "9223372036854775807k", "١٢"]
        {
            XCTAssertNil(NginxSize(parsing: text), text)
        }
    }

    func testDescriptionIsTheShortestExactSpelling() {
        XCTAssertEqual(NginxSize(bytes: 0).description, "0")
        XCTAssertEqual(NginxSize(bytes: 1536).description, "1536")
        XCTAssertEqual(NginxSize(bytes: 16 << 10).description, "16k")
        XCTAssertEqual(NginxSize(bytes: 1 << 20).description, "1m")
        XCTAssertEqual(NginxSize(bytes: 3 << 30).description, "3g")
        XCTAssertEqual(NginxSize(bytes: (1 << 30) + (1 << 20)).description, "1025m")
    }

    func testDescriptionParsesBackToTheSameSize() {
        for bytes: Int64 in [0, 1, 1023, 1024, 4097, 16 << 10, 50 << 20, 7 << 30, Int64.max] {
            let size = NginxSize(bytes: bytes)
            XCTAssertEqual(NginxSize(parsing: size.description), size, size.description)
        }
    }
}
