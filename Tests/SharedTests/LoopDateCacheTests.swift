import Shared
import XCTest

/// The per-loop date strings: every form of known instants, and formatting only when the second changes.
final class LoopDateCacheTests: XCTestCase {
    /// A clock the test moves by hand; read and moved on the test's thread only.
    private final class ManualClock: @unchecked Sendable {
        private var instant: WallClockInstant
        init(_ seconds: Int64, _ nanoseconds: Int32 = 0) {
            instant = WallClockInstant(seconds: seconds, nanoseconds: nanoseconds)
        }
        func set(_ seconds: Int64, _ nanoseconds: Int32 = 0) {
            instant = WallClockInstant(seconds: seconds, nanoseconds: nanoseconds)
        }
        func read() -> WallClockInstant { instant }
    }

    private func cache(at seconds: Int64, _ nanoseconds: Int32 = 0) -> (LoopDateCache, ManualClock) {
        let clock = ManualClock(seconds, nanoseconds)
        let cache = LoopDateCache(clock: { clock.read() })
        cache.refresh()
        return (cache, clock)
    }

    func testKnownInstantsInEveryForm() {
        let expectations: [(Int64, http: String, log: String, iso: String)] = [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT", "01/Jan/1970:00:00:00 +0000", "1970-01-01T00:00:00Z"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT", "06/Nov/1994:08:49:37 +0000", "1994-11-06T08:49:37Z"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT", "29/Feb/2000:00:00:00 +0000", "2000-02-29T00:00:00Z"),
            (1_738_314_307, "Fri, 31 Jan 2025 09:05:07 GMT", "31/Jan/2025:09:05:07 +0000", "2025-01-31T09:05:07Z"),
            (4_102_444_799, "Thu, 31 Dec 2099 23:59:59 GMT", "31/Dec/2099:23:59:59 +0000", "2099-12-31T23:59:59Z"),
        ]
        for (seconds, http, log, iso) in expectations {
            let (dates, _) = cache(at: seconds, 42_000_000)
            XCTAssertEqual(dates.httpDate, http)
            XCTAssertEqual(dates.logDate, log)
            XCTAssertEqual(dates.isoDate, iso)
            XCTAssertEqual(dates.isoTimestamp, String(iso.dropLast()) + ".042Z")
            XCTAssertEqual(dates.unixSeconds, seconds)
        }
    }

    func testStringsChangeOnlyWhenTheSecondChanges() {
        let (dates, clock) = cache(at: 784_111_777, 1_000_000)
        let first = (dates.httpDate, dates.logDate, dates.isoDate)
        clock.set(784_111_777, 999_000_000)
        dates.refresh()
        XCTAssertTrue(first == (dates.httpDate, dates.logDate, dates.isoDate), "same second, same strings")
        XCTAssertEqual(dates.isoTimestamp, "1994-11-06T08:49:37.999Z", "the milliseconds follow the clock")
        clock.set(784_111_778)
        XCTAssertEqual(dates.httpDate, first.0, "nothing changes before the next refresh")
        dates.refresh()
        XCTAssertEqual(dates.httpDate, "Sun, 06 Nov 1994 08:49:38 GMT")
        XCTAssertEqual(dates.logDate, "06/Nov/1994:08:49:38 +0000")
        XCTAssertEqual(dates.isoDate, "1994-11-06T08:49:38Z")
    }

    func testAnEventsMonotonicTimeSparesWallClockReadsWithinAMillisecond() {
        let clock = ManualClock(784_111_777, 999_500_000)
        let dates = LoopDateCache(clock: { clock.read() })
        dates.refresh(uptimeNanoseconds: 5_000_000)
        XCTAssertEqual(dates.httpDate, "Sun, 06 Nov 1994 08:49:37 GMT")
        clock.set(784_111_778, 100_000)
        dates.refresh(uptimeNanoseconds: 5_999_999)
        XCTAssertEqual(dates.httpDate, "Sun, 06 Nov 1994 08:49:37 GMT", "under a millisecond later: not read again")
        dates.refresh(uptimeNanoseconds: 6_000_000)
        XCTAssertEqual(dates.httpDate, "Sun, 06 Nov 1994 08:49:38 GMT", "a millisecond later: read")
        clock.set(784_111_779)
        dates.refresh(uptimeNanoseconds: 4_000_000)
        XCTAssertEqual(dates.httpDate, "Sun, 06 Nov 1994 08:49:39 GMT", "an earlier reading than the last: read")
    }

    func testExpiresIsCountedFromNow() {
        let (dates, clock) = cache(at: 784_111_777)
        clock.set(784_111_787)
        XCTAssertEqual(dates.httpDate(secondsFromNow: 3600), "Sun, 06 Nov 1994 09:49:47 GMT")
        XCTAssertEqual(dates.httpDate, "Sun, 06 Nov 1994 08:49:47 GMT", "it refreshes the cache too")
    }

    func testSystemClockIsCurrent() {
        let dates = LoopDateCache()
        dates.refresh()
        let now = WallClockInstant.now().seconds
        XCTAssertLessThanOrEqual(abs(dates.unixSeconds - now), 1)
        XCTAssertEqual(dates.httpDate.utf8.count, 29)
    }
}
