import Shared
import XCTest

/// The byte tests both HTTP parsers share.
final class HTTPBytesTests: XCTestCase {
    func testTokenIsExactlyRFC9110Tchar() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in UInt8.min...UInt8.max {
            XCTAssertEqual(HTTPBytes.isToken(byte), tchar.contains(byte), "byte \(byte)")
        }
    }

    func testCaseInsensitiveComparisonLowersOnlyLetters() {
        XCTAssertTrue(HTTPBytes.equalsIgnoringCase(Array("Keep-Alive".utf8), Array("keep-alive".utf8)))
        XCTAssertTrue(HTTPBytes.equalsIgnoringCase(Array("X-FORWARDED-FOR".utf8), "x-forwarded-for".utf8))
        XCTAssertFalse(HTTPBytes.equalsIgnoringCase(Array("keep-alivf".utf8), Array("keep-alive".utf8)))
        XCTAssertFalse(HTTPBytes.equalsIgnoringCase(Array("close ".utf8), Array("close".utf8)))
        // A byte that only differs by 0x20 from a lower-case one is not a capital letter: `@` is not a backtick.
        XCTAssertFalse(HTTPBytes.equalsIgnoringCase(Array("a@b".utf8), Array("a`b".utf8)))
        XCTAssertFalse(HTTPBytes.equalsIgnoringCase(Array("\r".utf8), Array("-".utf8)))
        for byte in UInt8.min...UInt8.max {
            let isCapital = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            XCTAssertEqual(HTTPBytes.lowercased(byte), isCapital ? byte + 32 : byte, "byte \(byte)")
        }
    }
}
