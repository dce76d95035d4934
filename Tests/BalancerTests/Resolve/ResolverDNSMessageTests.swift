import XCTest

@testable import Balancer
@testable import BalancerCore

/// The resolver's DNS query and response codec, on byte fixtures.
final class ResolverDNSMessageTests: XCTestCase {
    /// The query for `backend` with id 0x1234, as dig would send it (recursion desired, one A/IN question).
    private let backendQuery: [UInt8] = [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        7, 0x62, 0x61, 0x63, 0x6B, 0x65, 0x6E, 0x64, 0,
        0x00, 0x01, 0x00, 0x01,
    ]

    /// A response to `backendQuery` with two A records whose names point back to the question (0xC00C).
    private func response(id: UInt16 = 0x1234, flags: UInt16 = 0x8180, records: [[UInt8]], ttls: [UInt32]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF),
                              0, 1, 0, UInt8(records.count), 0, 0, 0, 0]
        bytes += backendQuery[12...]
        for (address, ttl) in zip(records, ttls) {
            bytes += [0xC0, 0x0C, 0, 1, 0, 1]
            bytes += [UInt8(ttl >> 24), UInt8((ttl >> 16) & 0xFF), UInt8((ttl >> 8) & 0xFF), UInt8(ttl & 0xFF)]
            bytes += [0, UInt8(address.count)] + address
        }
        return bytes
    }

    func testQueryBytes() throws {
        XCTAssertEqual(try ResolverDNSMessage.query(id: 0x1234, name: "backend"), backendQuery)
        XCTAssertEqual(try ResolverDNSMessage.query(id: 0x1234, name: "backend."), backendQuery)
        let dotted = try ResolverDNSMessage.query(id: 1, name: "a.svc")
        XCTAssertEqual(Array(dotted[12...]), [1, 0x61, 3, 0x73, 0x76, 0x63, 0, 0, 1, 0, 1])
    }

    func testQueryRefusesInvalidNames() {
        for name in ["", "a..b", String(repeating: "x", count: 64)] {
            XCTAssertThrowsError(try ResolverDNSMessage.query(id: 1, name: name), name)
        }
    }

    func testResponseWithTwoAddresses() throws {
        let bytes = response(records: [[127, 0, 0, 2], [127, 0, 0, 3]], ttls: [30, 10])
        let answer = try ResolverDNSMessage.parseResponse(bytes, expectedID: 0x1234)
        XCTAssertEqual(answer, .init(addresses: ["127.0.0.2", "127.0.0.3"], ttl: 10))
    }

    func testCNAMEBeforeTheAddressIsSkipped() throws {
        var bytes = response(records: [], ttls: [])
        bytes[7] = 2
        // CNAME backend → x (type 5), then the A record of x.
        bytes += [0xC0, 0x0C, 0, 5, 0, 1, 0, 0, 0, 60, 0, 3, 1, 0x78, 0]
        bytes += [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 5]
        XCTAssertEqual(try ResolverDNSMessage.parseResponse(bytes, expectedID: 0x1234).addresses, ["10.0.0.5"])
    }

    func testFailures() {
        let ok = response(records: [[127, 0, 0, 2]], ttls: [5])
        func failure(_ bytes: [UInt8], id: UInt16 = 0x1234) -> ResolverDNSMessage.Failure? {
            do {
                _ = try ResolverDNSMessage.parseResponse(bytes, expectedID: id)
                return nil
            } catch {
                return error
            }
        }
        XCTAssertEqual(failure(ok, id: 0x9999), .idMismatch(expected: 0x9999, got: 0x1234))
        XCTAssertEqual(failure(response(flags: 0x8183, records: [], ttls: [])), .responseCode(3))
        XCTAssertEqual(failure(response(flags: 0x8380, records: [], ttls: [])), .truncated)
        XCTAssertEqual(failure(backendQuery), .notAResponse)
        XCTAssertEqual(failure(Array(ok.dropLast(2))), .malformed("ends early at byte \(ok.count - 4)"))
        XCTAssertEqual(failure(response(records: [[1, 2, 3]], ttls: [5])), .malformed("an A record of 3 bytes"))
    }
}
