import XCTest

@testable import Balancer
@testable import BalancerCore

/// What each signal does given the ones before it.
final class SignalPolicyTests: XCTestCase {
    func testReloadsUntilTheFirstTerminationSignalThenIgnoresThem() {
        var policy = SignalPolicy()
        XCTAssertEqual(policy.received(.reload), .reload)
        XCTAssertEqual(policy.received(.reload), .reload, "every SIGHUP reloads")
        XCTAssertEqual(policy.received(.terminate(name: "SIGTERM")), .beginShutdown(signal: "SIGTERM"))
        XCTAssertEqual(policy.received(.reload), .ignoreReload)
        XCTAssertTrue(policy.shuttingDown)
    }

    func testEveryTerminationSignalAfterTheFirstClosesAtOnce() {
        var policy = SignalPolicy()
        XCTAssertEqual(policy.received(.terminate(name: "SIGINT")), .beginShutdown(signal: "SIGINT"))
        XCTAssertEqual(policy.received(.terminate(name: "SIGQUIT")), .closeNow(signal: "SIGQUIT"))
        XCTAssertEqual(policy.received(.terminate(name: "SIGTERM")), .closeNow(signal: "SIGTERM"))
    }
}
