import XCTest
final class PlaceholderBalancerTests: XCTestCase { func testNothing() {} }
