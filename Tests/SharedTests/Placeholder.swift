import XCTest
final class PlaceholderSharedTests: XCTestCase { func testNothing() {} }
