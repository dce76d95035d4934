import XCTest
final class PlaceholderHealthServiceTests: XCTestCase { func testNothing() {} }
