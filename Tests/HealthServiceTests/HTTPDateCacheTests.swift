import NIOConcurrencyHelpers
import Shared
import XCTest

@testable import HealthService

/// The replica's `Date` header value, formatted once a second.
final class HTTPDateCacheTests: XCTestCase {
    func testCacheFollowsTheClock() {
        let now = NIOLockedValueBox(WallClockInstant(seconds: 784_111_777, nanoseconds: 999_000_000))
        let cache = HTTPDateCache(clock: { now.withLockedValue { $0 } })
        XCTAssertEqual(cache.now(), "Sun, 06 Nov 1994 08:49:37 GMT")
        now.withLockedValue { $0 = WallClockInstant(seconds: 784_111_778, nanoseconds: 0) }
        XCTAssertEqual(cache.now(), "Sun, 06 Nov 1994 08:49:38 GMT")
    }
}
