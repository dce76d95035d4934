import NIOHTTP1
import XCTest

@testable import BalancerCore

/// Methods read from request-line bytes give exactly what `HTTPMethod(rawValue:)` gives, and the case tests agree
/// with `==`.
final class HTTPMethodBytesTests: XCTestCase {
    private static let names = [
        "GET", "PUT", "POST", "HEAD", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PURGE", "MKCOL", "ACL",
        "PROPFIND", "SEARCH", "MSEARCH", "M-SEARCH", "GETS", "GE", "HEAD_", "POSTS", "OPTION", "DELETED", "PATCHY",
        "PAT", "POS", "G", "BREW", "X",
    ]

    private func parse(_ name: String) -> HTTPMethod {
        Array(name.utf8).withUnsafeBytes { HTTPMethod.parse($0) }
    }

    func testReadsEveryMethodAsRawValueDoes() {
        for name in Self.names {
            XCTAssertEqual(parse(name), HTTPMethod(rawValue: name), name)
            XCTAssertEqual(parse(name).rawValue, name, name)
        }
    }

    func testCaseTestsAgreeWithEquality() {
        for name in Self.names {
            let method = HTTPMethod(rawValue: name)
            XCTAssertEqual(method.isGET, method == .GET, name)
            XCTAssertEqual(method.isHEAD, method == .HEAD, name)
            XCTAssertEqual(method.isGETOrHEAD, method == .GET || method == .HEAD, name)
            XCTAssertEqual(
                method.usuallyHasBody, method == .POST || method == .PUT || method == .PATCH, name)
        }
    }
}
