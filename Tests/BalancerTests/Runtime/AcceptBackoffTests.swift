import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

#if canImport(Glibc)
    import Glibc
#endif

/// Which failed accepts pause a listener, and the once-a-second rule for the lines they log.
final class AcceptBackoffTests: XCTestCase {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    func testThrottleLetsOneLinePerInterval() {
        var throttle = LogThrottle(interval: .seconds(1))
        var lines = 0
        // 10 000 events over 5 s: one line per second, never one per event.
        for i in 0..<10_000 {
            if throttle.event(at: start + .microseconds(Int64(i) * 500)) != nil { lines += 1 }
        }
        XCTAssertEqual(lines, 5)
    }

    func testOnlyResourceShortagesPauseAccepting() {
        for code in [EMFILE, ENFILE, ENOBUFS, ENOMEM] {
            XCTAssertEqual(AcceptBackoff.pause(after: IOError(errnoCode: code, reason: "accept")), .milliseconds(500))
        }
        XCTAssertNil(AcceptBackoff.pause(after: IOError(errnoCode: ECONNABORTED, reason: "accept")))
        XCTAssertTrue(AcceptBackoff.advice(for: IOError(errnoCode: EMFILE, reason: "accept"))
            .contains("worker_rlimit_nofile"))
        XCTAssertTrue(AcceptBackoff.advice(for: IOError(errnoCode: ENFILE, reason: "accept")).contains("fs.file-max"))
    }
}
