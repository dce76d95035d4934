import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// `limits.max_connections` decided without sockets: which accepted connection stays, and when a refusal is logged.
final class ConnectionAdmissionTests: XCTestCase {
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    func testAdmitsBelowTheLimitAndRefusesAtIt() {
        var admission = ConnectionAdmission()
        XCTAssertEqual(admission.decide(open: 0, limit: 3, now: start), .admit)
        XCTAssertEqual(admission.decide(open: 2, limit: 3, now: start), .admit)
        XCTAssertEqual(admission.decide(open: 3, limit: 3, now: start), .refuse(logHeldBack: 0))
        XCTAssertEqual(admission.decide(open: 7, limit: 3, now: start), .refuse(logHeldBack: nil))
        XCTAssertEqual(admission.refused, 2)
        // A reload lowering the limit below what is open refuses until enough close.
        XCTAssertEqual(admission.decide(open: 2, limit: 1, now: start), .refuse(logHeldBack: nil))
        XCTAssertEqual(admission.decide(open: 0, limit: 1, now: start), .admit)
        XCTAssertEqual(admission.refused, 3)
    }

    func testAdmittingNeverReadsTheClock() {
        var admission = ConnectionAdmission()
        var reads = 0
        func clock() -> NIODeadline {
            reads += 1
            return start
        }
        for open in 0..<100 { _ = admission.decide(open: open, limit: 100, now: clock()) }
        XCTAssertEqual(reads, 0)
        _ = admission.decide(open: 100, limit: 100, now: clock())
        XCTAssertEqual(reads, 1)
    }

    func testRefusalsLogOnceASecondWithTheCountHeldBack() {
        var admission = ConnectionAdmission()
        XCTAssertEqual(admission.decide(open: 1, limit: 1, now: start), .refuse(logHeldBack: 0))
        for ms in [1, 10, 500, 999] {
            XCTAssertEqual(
                admission.decide(open: 1, limit: 1, now: start + .milliseconds(Int64(ms))), .refuse(logHeldBack: nil))
        }
        XCTAssertEqual(admission.decide(open: 1, limit: 1, now: start + .seconds(1)), .refuse(logHeldBack: 4))
        XCTAssertEqual(admission.decide(open: 1, limit: 1, now: start + .seconds(10)), .refuse(logHeldBack: 0))
    }
}
