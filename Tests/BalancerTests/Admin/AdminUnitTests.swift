import XCTest

@testable import Balancer
@testable import BalancerCore

/// The admin's pure parts: digest, networks, access decisions, quantiles and the config rules for `admin:`.
final class AdminUnitTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(PasswordDigest.sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(PasswordDigest.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            PasswordDigest.sha256Hex(String(repeating: "a", count: 1000)),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testCIDRMatching() throws {
        let net = try XCTUnwrap(CIDRRange("10.1.0.0/16"))
        XCTAssertTrue(net.contains("10.1.200.3"))
        XCTAssertFalse(net.contains("10.2.0.1"))
        XCTAssertTrue(net.contains("::ffff:10.1.0.9"))
        XCTAssertTrue(try XCTUnwrap(CIDRRange("fd00::/8")).contains("fd12::1"))
        XCTAssertNil(CIDRRange("10.0.0.0/33"))
        XCTAssertNil(CIDRRange("example.com"))
    }

    func testAccessChecksNetworksThenCredentials() {
        let digest = PasswordDigest.sha256Hex("s3cret")
        let config = AdminConfig(
            listen: HostPort(host: "0.0.0.0", port: 9090),
            basicAuth: AdminBasicAuth(user: "ops", passwordSHA256: digest),
            allow: [CIDRRange("192.168.0.0/24")!])
        let access = AdminAccess(config: config)
        let good = "Basic " + Data("ops:s3cret".utf8).base64EncodedString()
        let bad = "Basic " + Data("ops:wrong".utf8).base64EncodedString()
        XCTAssertEqual(access.decide(clientIP: "192.168.0.7", authorization: good), .allowed)
        XCTAssertEqual(access.decide(clientIP: "192.168.0.7", authorization: bad), .unauthorized)
        XCTAssertEqual(access.decide(clientIP: "192.168.0.7", authorization: nil), .unauthorized)
        XCTAssertEqual(access.decide(clientIP: "10.0.0.1", authorization: good), .forbidden)
    }

    func testQuantilesInterpolateInsideBuckets() throws {
        var counts = [Int](repeating: 0, count: LatencyBuckets.count)
        counts[LatencyBuckets.index(nanoseconds: 7_000_000)] = 100  // all in (5 ms, 10 ms]
        let p50 = try XCTUnwrap(LatencyBuckets.quantileMilliseconds(0.5, counts: counts))
        XCTAssertEqual(p50, 7.5, accuracy: 0.001)
        XCTAssertNil(LatencyBuckets.quantileMilliseconds(0.5, counts: [Int](repeating: 0, count: 14)))
    }

    func testNonLoopbackAdminWithoutAuthIsAConfigError() {
        let yaml = ConfigFixture.minimal + "\nadmin:\n  listen: 0.0.0.0:9090"
        ConfigFixture.assertSingleError(
            yaml, line: 9, path: "admin.listen",
            contains: "0.0.0.0:9090 is reachable from other hosts; add admin.basic_auth or admin.allow, "
                + "or listen on 127.0.0.1")
    }

    func testNonLoopbackAdminWithAuthOrAllowLoads() throws {
        let digest = PasswordDigest.sha256Hex("pw")
        let withAuth = ConfigFixture.minimal
            + "\nadmin:\n  listen: 0.0.0.0:9090\n  basic_auth: {user: ops, password_sha256: \(digest)}"
        let config = try XCTUnwrap(ConfigFixture.parse(withAuth))
        XCTAssertEqual(config.admin.basicAuth, AdminBasicAuth(user: "ops", passwordSHA256: digest))
        let withAllow = ConfigFixture.minimal + "\nadmin:\n  listen: 0.0.0.0:9090\n  allow: [10.0.0.0/8]"
        XCTAssertEqual(ConfigFixture.parse(withAllow)?.admin.allow, [CIDRRange("10.0.0.0/8")!])
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nadmin:\n  listen: 127.0.0.1:9090\n  allow: [10.0.0.0/40]", line: 10,
            path: "admin.allow[0]", contains: "is not a network")
    }

    func testPrometheusLabelEscaping() {
        XCTAssertEqual(PrometheusWriter.escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd")
    }
}
