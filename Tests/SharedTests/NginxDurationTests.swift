import Shared
import XCTest

/// Durations parse nginx's time units (and combinations of them) and print in their shortest exact spelling.
final class NginxDurationTests: XCTestCase {
    func testParsesEveryUnit() {
        let cases: [(String, Int64)] = [
            ("100ms", 100), ("30s", 30_000), ("5m", 300_000), ("2h", 7_200_000), ("1d", 86_400_000),
            ("1w", 604_800_000), ("1M", 2_592_000_000), ("1y", 31_536_000_000), ("0", 0), ("30", 30_000),
            ("1m30s", 90_000), ("1h30m", 5_400_000), (" 10s ", 10_000),
        ]
        for (text, milliseconds) in cases {
            XCTAssertEqual(NginxDuration(parsing: text)?.milliseconds, milliseconds, text)
        }
    }

    func testRefusesMalformedText() {
        for text in ["", "s", "5x", "-5s", "1.5s", "5S", "ms10", "10 parsecs", "9999999999999999999y",
            "9223372036854775807"]
        {
            XCTAssertNil(NginxDuration(parsing: text), text)
        }
    }

    func testDescriptionIsTheShortestExactSpelling() {
        XCTAssertEqual(NginxDuration(milliseconds: 0).description, "0ms")
        XCTAssertEqual(NginxDuration(milliseconds: 1500).description, "1500ms")
        XCTAssertEqual(NginxDuration.seconds(30).description, "30s")
        XCTAssertEqual(NginxDuration.seconds(90).description, "90s")
        XCTAssertEqual(NginxDuration.seconds(3600).description, "1h")
        XCTAssertEqual(NginxDuration.seconds(31_536_000).description, "1y")
    }

    func testDescriptionParsesBackToTheSameDuration() {
        for milliseconds: Int64 in [0, 1, 999, 1000, 61_000, 3_600_000, 86_400_000, 2_592_000_000, 63_072_000_000] {
            let duration = NginxDuration(milliseconds: milliseconds)
            XCTAssertEqual(NginxDuration(parsing: duration.description), duration, duration.description)
        }
    }

    func testConversionsAndOrdering() {
        let duration = NginxDuration(milliseconds: 2500)
        XCTAssertEqual(duration.seconds, 2)
        XCTAssertEqual(duration.nanoseconds, 2_500_000_000)
        XCTAssertEqual(duration.duration, .milliseconds(2500))
        XCTAssertLessThan(NginxDuration(parsing: "999ms")!, NginxDuration(parsing: "1s")!)
    }
}
