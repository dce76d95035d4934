import XCTest

@testable import Balancer
@testable import BalancerCore

/// Route matching: exact before prefix, longest prefix, file order among equals, query ignored.
final class RouterTests: XCTestCase {
    private let router = Router(routes: [
        RouteConfig(match: .prefix("/"), upstream: "web"),
        RouteConfig(match: .prefix("/api/"), upstream: "backend"),
        RouteConfig(match: .exact(["/docs", "/redoc", "/openapi.json"]), upstream: "backend"),
        RouteConfig(match: .prefix("/api/v2/"), upstream: "v2"),
        RouteConfig(match: .prefix("/api/"), upstream: "shadowed"),
    ])

    func testLongestPrefixWins() {
        XCTAssertEqual(router.match(uri: "/api/v2/items"), 3)
        XCTAssertEqual(router.match(uri: "/api/items"), 1)
        XCTAssertEqual(router.match(uri: "/index.html"), 0)
    }

    func testExactBeatsPrefix() {
        XCTAssertEqual(router.match(uri: "/docs"), 2)
        XCTAssertEqual(router.match(uri: "/docs/extra"), 0)
        XCTAssertEqual(router.match(uri: "/openapi.json?x=1"), 2)
    }

    func testQueryAndFragmentIgnored() {
        XCTAssertEqual(router.match(uri: "/api/?q=/api/v2/"), 1)
        XCTAssertEqual(Router.path(of: "/a/b?c#d"), "/a/b")
    }

    func testEqualPrefixesKeepFileOrder() {
        XCTAssertEqual(router.match(uri: "/api/x"), 1, "the first of two equal prefixes wins")
    }

    func testNoRouteMatches() {
        let apiOnly = Router(routes: [RouteConfig(match: .prefix("/api/"), upstream: "backend")])
        XCTAssertNil(apiOnly.match(uri: "/"))
        XCTAssertNil(apiOnly.match(uri: "/ap"))
    }

    func testStaticCachePolicyMatchesExtensions() {
        let policy = StaticCachePolicy(CacheStaticConfig(extensions: ["js", "css"], maxAge: .seconds(31_536_000)))
        XCTAssertTrue(policy.applies(toURI: "/assets/app.JS?v=3"))
        XCTAssertTrue(policy.applies(toURI: "/style.css"))
        XCTAssertFalse(policy.applies(toURI: "/index.html"))
        XCTAssertFalse(policy.applies(toURI: "/dir.js/file"))
        XCTAssertEqual(policy.cacheControl, "public, max-age=31536000, immutable")
    }
}
