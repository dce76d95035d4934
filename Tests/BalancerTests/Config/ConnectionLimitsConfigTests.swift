import XCTest

@testable import Balancer
@testable import BalancerCore

/// `worker_rlimit_nofile` and `limits.max_connections`: parsed, validated once, and known to reloads.
final class ConnectionLimitsConfigTests: XCTestCase {
    func testDefaults() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal))
        XCTAssertNil(config.workerRlimitNofile, "absent = the hard limit")
        XCTAssertEqual(config.limits.maxConnections, 4096)
    }

    func testBothKeysParse() throws {
        let yaml = ConfigFixture.minimal + "\nworker_rlimit_nofile: 65536\nlimits:\n  max_connections: 2000\n"
        let config = try XCTUnwrap(ConfigFixture.parse(yaml))
        XCTAssertEqual(config.workerRlimitNofile, 65536)
        XCTAssertEqual(config.limits.maxConnections, 2000)
    }

    func testBoundsAreAccepted() throws {
        let low = ConfigFixture.minimal + "\nworker_rlimit_nofile: 32\nlimits:\n  max_connections: 1\n"
        let lowConfig = try XCTUnwrap(ConfigFixture.parse(low))
        XCTAssertEqual(lowConfig.workerRlimitNofile, 32)
        XCTAssertEqual(lowConfig.limits.maxConnections, 1)
        let high = ConfigFixture.minimal + "\nworker_rlimit_nofile: 1073741824\nlimits:\n  max_connections: 1048576\n"
        let highConfig = try XCTUnwrap(ConfigFixture.parse(high))
        XCTAssertEqual(highConfig.workerRlimitNofile, 1 << 30)
        XCTAssertEqual(highConfig.limits.maxConnections, 1 << 20)
    }

    func testRlimitOutOfRangeOrNotANumber() {
        let base = ConfigFixture.minimal + "\n"
        ConfigFixture.assertSingleError(
            base + "worker_rlimit_nofile: 16", line: 8, path: "worker_rlimit_nofile",
            contains: #"expected a whole number from 32 to 1073741824, got "16""#)
        ConfigFixture.assertSingleError(
            base + "worker_rlimit_nofile: 2147483648", line: 8, path: "worker_rlimit_nofile",
            contains: "from 32 to 1073741824")
        ConfigFixture.assertSingleError(
            base + "worker_rlimit_nofile: 64k", line: 8, path: "worker_rlimit_nofile",
            contains: #"got "64k""#)
        ConfigFixture.assertSingleError(
            base + "worker_rlimit_nofile: auto", line: 8, path: "worker_rlimit_nofile",
            contains: "expected a whole number")
        ConfigFixture.assertSingleError(
            base + "worker_rlimit_nofile: [1024]", line: 8, path: "worker_rlimit_nofile",
            contains: "expected a whole number")
    }

    func testMaxConnectionsOutOfRangeOrNotANumber() {
        let base = ConfigFixture.minimal + "\nlimits:\n"
        ConfigFixture.assertSingleError(
            base + "  max_connections: 0", line: 9, path: "limits.max_connections",
            contains: #"expected a whole number from 1 to 1048576, got "0""#)
        ConfigFixture.assertSingleError(
            base + "  max_connections: -5", line: 9, path: "limits.max_connections", contains: "from 1 to 1048576")
        ConfigFixture.assertSingleError(
            base + "  max_connections: 1048577", line: 9, path: "limits.max_connections",
            contains: "from 1 to 1048576")
        ConfigFixture.assertSingleError(
            base + "  max_connections: 4k", line: 9, path: "limits.max_connections", contains: #"got "4k""#)
    }

    func testKeysInTheWrongPlaceAreUnknown() {
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nlimits:\n  worker_rlimit_nofile: 1024", line: 9,
            path: "limits.worker_rlimit_nofile", contains: "unknown key")
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nmax_connections: 1024", line: 8, path: "max_connections",
            contains: "unknown key")
    }

    /// `worker_rlimit_nofile` is set before anything opens: a reload reports it and keeps the running value.
    func testRlimitChangeNeedsARestart() throws {
        let running = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal + "\nworker_rlimit_nofile: 4096\n"))
        let loaded = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal + "\nworker_rlimit_nofile: 8192\n"))
        let plan = ReloadPlan(running: running, loaded: loaded)
        XCTAssertEqual(plan.needsRestart, ["worker_rlimit_nofile"])
        XCTAssertEqual(plan.effective.workerRlimitNofile, 4096)
        XCTAssertTrue(plan.diff.summary.hasSuffix("worker_rlimit_nofile changed"), plan.diff.summary)
        XCTAssertFalse(plan.isNoOp)
    }

    /// `limits.max_connections` is read from the snapshot at every accept, so a reload applies it.
    func testMaxConnectionsApplyOnReload() throws {
        let running = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal))
        let loaded = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal + "\nlimits: {max_connections: 10}\n"))
        let plan = ReloadPlan(running: running, loaded: loaded)
        XCTAssertEqual(plan.needsRestart, [])
        XCTAssertEqual(plan.effective.limits.maxConnections, 10)
        XCTAssertTrue(plan.diff.summary.hasSuffix("limits changed"), plan.diff.summary)
    }
}
