import Shared
import XCTest

/// The `Date` header text both executables write.
final class HTTPDateTests: XCTestCase {
    func testKnownInstants() {
        XCTAssertEqual(HTTPDate.format(epochSeconds: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 1_738_314_307), "Fri, 31 Jan 2025 09:05:07 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT")
    }

    func testEveryWeekdayAndMonth() {
        // 2024-01-01 was a Monday; step a week and a day at a time through two years.
        var seconds: Int64 = 1_704_067_200
        let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        for step in 0..<100 {
            let text = HTTPDate.format(epochSeconds: seconds)
            XCTAssertTrue(text.hasPrefix(weekdays[(step * 8) % 7] + ", "), text)
            XCTAssertEqual(text.utf8.count, 29, text)
            seconds += 8 * 86_400
        }
    }
}
