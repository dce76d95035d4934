import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The per-loop open-file cache: trusted for `valid`, then looked at again by one request while the others keep
/// being served, bounded in paths and bytes.
final class StaticFileCacheTests: XCTestCase {
    private let file = StaticResolution.file(ResolvedStaticFile(
        path: "/srv/web/a.js", requestPath: "/a.js", status: FileStatus(kind: .regular, size: 10, modificationTime: 1)))

    private func key(_ name: String) -> StaticFileCache.Key {
        StaticFileCache.Key(route: 0, relative: name, directory: false)
    }

    func testValidityAndOneRefreshAtATime() {
        let cache = StaticFileCache()
        var config = OpenFileCacheConfig()
        config.valid = .seconds(1)
        cache.configure(config)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        guard case .missing = cache.lookup(key("a"), now: start) else { return XCTFail() }
        let entry = cache.store(key("a"), resolution: file, checkedAt: start)
        cache.add(.memory(ByteBuffer(string: "0123456789")), as: "/srv/web/a.js", to: entry, key: key("a"))
        guard case .fresh = cache.lookup(key("a"), now: start + .milliseconds(999)) else { return XCTFail() }
        let later = start + .seconds(2)
        guard case .stale(let stale) = cache.lookup(key("a"), now: later) else { return XCTFail("valid passed") }
        guard case .fresh = cache.lookup(key("a"), now: later) else {
            return XCTFail("while one request looks again, the others are served from the entry")
        }
        cache.renew(stale, checkedAt: later)
        guard case .fresh(let renewed) = cache.lookup(key("a"), now: later + .milliseconds(500)) else {
            return XCTFail()
        }
        XCTAssertNotNil(renewed.bodies["/srv/web/a.js"], "an unchanged file keeps its loaded body")
    }

    func testBoundedInPaths() {
        let cache = StaticFileCache()
        var config = OpenFileCacheConfig()
        config.max = 10
        cache.configure(config)
        let now = NIODeadline.now()
        for i in 0..<25 { cache.store(key("f\(i)"), resolution: .notFound, checkedAt: now) }
        XCTAssertLessThanOrEqual(cache.count, 10)
        guard case .fresh = cache.lookup(key("f24"), now: now) else { return XCTFail("the newest stays") }
    }

    func testBoundedInBytes() {
        let cache = StaticFileCache()
        cache.configure(OpenFileCacheConfig())
        let now = NIODeadline.now()
        let big = ByteBuffer(repeating: 0, count: StaticFileCache.memoryLimit / 5)
        for i in 0..<12 {
            let entry = cache.store(key("b\(i)"), resolution: file, checkedAt: now)
            cache.add(.memory(big), as: "/srv/web/a.js", to: entry, key: key("b\(i)"))
        }
        let kept = (0..<12).filter {
            if case .fresh(let entry) = cache.lookup(key("b\($0)"), now: now) { return !entry.bodies.isEmpty }
            return false
        }
        XCTAssertLessThanOrEqual(kept.count * big.readableBytes, StaticFileCache.memoryLimit)
        XCTAssertTrue(kept.contains(11))
    }
}
