import XCTest

@testable import Balancer
@testable import BalancerCore

/// The client-side timeouts and the path switch: defaults as nginx's, values read in nginx's units, and mistakes
/// reported at their line.
final class EdgeTimeoutConfigTests: XCTestCase {
    func testDefaults() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal))
        XCTAssertEqual(config.limits.clientBodyTimeout, .seconds(60))
        XCTAssertEqual(config.limits.sendTimeout, .seconds(60))
        XCTAssertTrue(config.proxy.normalizePath)
        XCTAssertFalse(config.limits.underscoresInHeaders)
        let allowed = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal + "\nlimits: {underscores_in_headers: true}"))
        XCTAssertTrue(allowed.limits.underscoresInHeaders)
    }

    func testValuesAreRead() throws {
        let yaml = ConfigFixture.minimal
            + "\nlimits:\n  client_body_timeout: 15s\n  send_timeout: 2m\nproxy:\n  normalize_path: false"
        let config = try XCTUnwrap(ConfigFixture.parse(yaml))
        XCTAssertEqual(config.limits.clientBodyTimeout, .seconds(15))
        XCTAssertEqual(config.limits.sendTimeout, .seconds(120))
        XCTAssertFalse(config.proxy.normalizePath)
    }

    func testMistakesNameTheirLineAndKey() {
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nlimits:\n  client_body_timeout: 0s", line: 9, path: "limits.client_body_timeout",
            contains: "must be longer than 0")
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nlimits:\n  send_timeout: soon", line: 9, path: "limits.send_timeout",
            contains: "soon")
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nproxy:\n  normalize_path: sometimes", line: 9, path: "proxy.normalize_path",
            contains: "sometimes")
    }
}
