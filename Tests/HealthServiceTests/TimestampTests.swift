import NIOConcurrencyHelpers
import Shared
import XCTest

/// ISO-8601 formatting and the once-a-second cache.
final class TimestampTests: XCTestCase {
    func testKnownInstants() {
        XCTAssertEqual(ISO8601Timestamp.format(.init(seconds: 0, nanoseconds: 0)), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(
            ISO8601Timestamp.format(.init(seconds: 951_782_400, nanoseconds: 999_999_999)), "2000-02-29T00:00:00.999Z")
        XCTAssertEqual(
            ISO8601Timestamp.format(.init(seconds: 1_738_314_307, nanoseconds: 42_000_000)), "2025-01-31T09:05:07.042Z")
        XCTAssertEqual(
            ISO8601Timestamp.format(.init(seconds: 4_102_444_799, nanoseconds: 0)), "2099-12-31T23:59:59.000Z")
        XCTAssertEqual(ISO8601Timestamp.format(.init(seconds: -1, nanoseconds: 0)), "1969-12-31T23:59:59.000Z")
    }

    func testCacheFollowsTheInjectedClock() {
        let now = NIOLockedValueBox(WallClockInstant(seconds: 1_738_314_307, nanoseconds: 5_000_000))
        let cache = TimestampCache(clock: { now.withLockedValue { $0 } })
        XCTAssertEqual(cache.now(), "2025-01-31T09:05:07.005Z")
        now.withLockedValue { $0.nanoseconds = 998_000_000 }
        XCTAssertEqual(cache.now(), "2025-01-31T09:05:07.998Z", "milliseconds change within a cached second")
        now.withLockedValue { $0 = WallClockInstant(seconds: 1_738_314_308, nanoseconds: 0) }
        XCTAssertEqual(cache.now(), "2025-01-31T09:05:08.000Z", "a new second re-formats")
    }

    func testSystemClockIsCurrent() {
        let stamp = TimestampCache().now()
        XCTAssertEqual(stamp.count, 24)
        XCTAssertTrue(stamp.hasSuffix("Z"))
        XCTAssertGreaterThanOrEqual(stamp, "2025-")
    }
}
