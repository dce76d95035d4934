import NIOHTTP1
import XCTest

@testable import BalancerCore
import Shared

/// What the answer to a request for a file is, decided without the file: status, representation, validators,
/// range, caching and `Vary`.
final class StaticResponsePlanTests: XCTestCase {
    private let js: ResolvedStaticFile = {
        var file = ResolvedStaticFile(
            path: "/srv/web/assets/app-3f2a1b9c.js",
            requestPath: "/assets/app-3f2a1b9c.js",
            status: FileStatus(kind: .regular, size: 5000, modificationTime: 1000))
        file.sidecars = [
            .gzip: StaticSidecar(path: "/srv/web/assets/app-3f2a1b9c.js.gz",
                status: FileStatus(kind: .regular, size: 900, modificationTime: 1001)),
            .br: StaticSidecar(path: "/srv/web/assets/app-3f2a1b9c.js.br",
                status: FileStatus(kind: .regular, size: 800, modificationTime: 1002)),
        ]
        return file
    }()
    private let html = ResolvedStaticFile(
        path: "/srv/web/index.html", requestPath: "/index.html",
        status: FileStatus(kind: .regular, size: 2000, modificationTime: 1000))

    private func plan(
        _ file: ResolvedStaticFile,
        _ headers: [(String, String)] = [],
        method: HTTPMethod = .GET,
        gzip: GzipConfig? = GzipConfig(),
        cacheStatic: CacheStaticConfig? = nil
    ) -> StaticResponsePlan {
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: file.requestPath, headers: HTTPHeaders(headers))
        let rules = StaticCacheRules(
            config: StaticRouteConfig(root: "/srv/web"), cacheStatic: cacheStatic.map(StaticCachePolicy.init))
        return StaticResponsePlan.decide(
            StaticRequest(RequestHeadFixture.decoded(head)), file: file, gzip: gzip, cacheRules: rules)
    }

    /// The request's fields are read in one pass: names in any case, the first of each, `If-Range` only with a
    /// `Range`, and what makes a request unconditional (so a prepared answer may serve it).
    func testTheRequestFieldsAreReadInOnePass() {
        func request(_ headers: [(String, String)], method: HTTPMethod = .GET) -> StaticRequest {
            StaticRequest(
                RequestHeadFixture.decoded(
                    HTTPRequestHead(version: .http1_1, method: method, uri: "/", headers: HTTPHeaders(headers))))
        }
        let plain = request([("Host", "a"), ("User-Agent", "x"), ("Accept", "*/*")])
        XCTAssertTrue(plain.isUnconditionalWhole)
        XCTAssertEqual(plain.accepted, .identityOnly)
        XCTAssertFalse(plain.isHead)
        XCTAssertTrue(request([], method: .HEAD).isHead)

        let mixed = request([
            ("ACCEPT-ENCODING", "br"), ("accept-encoding", "gzip"), ("If-None-Match", "\"a\""),
            ("if-none-match", "\"b\""), ("IF-MODIFIED-SINCE", "Thu, 01 Jan 1970 00:16:40 GMT"),
        ])
        XCTAssertEqual(mixed.accepted, AcceptedEncodings("br"), "the first Accept-Encoding, as first(name:) reads it")
        XCTAssertEqual(mixed.conditional.ifNoneMatch, EntityTag.parseList("\"a\""))
        XCTAssertEqual(mixed.conditional.ifModifiedSince, 1000)
        XCTAssertFalse(mixed.isUnconditionalWhole)

        let ifRangeAlone = request([("If-Range", "\"a\"")])
        XCTAssertNil(ifRangeAlone.conditional.ifRange, "RFC 9110 §13.1.5: no Range, no If-Range")
        XCTAssertTrue(ifRangeAlone.isUnconditionalWhole)
        let ranged = request([("If-Range", "\"a\""), ("Range", "bytes=0-1")])
        XCTAssertEqual(ranged.range, "bytes=0-1")
        XCTAssertEqual(ranged.conditional.ifRange, .tag(EntityTag.parse("\"a\"")!))
        XCTAssertFalse(ranged.isUnconditionalWhole)
        for name in ["If-Match", "If-Unmodified-Since"] {
            XCTAssertFalse(request([(name, name == "If-Match" ? "*" : "Thu, 01 Jan 1970 00:16:40 GMT")])
                .isUnconditionalWhole, name)
        }
        XCTAssertTrue(request([("If-Modified-Since", "not a date")]).isUnconditionalWhole,
            "an invalid date is ignored (§13.1.3), so the request is answered as if it had none")
        XCTAssertTrue(request([("X-Range", "bytes=0-1"), ("If-Matcher", "*")]).isUnconditionalWhole,
            "names that only look alike")
    }

    func testPlainGet() {
        let p = plan(html)
        XCTAssertEqual(p.status, .ok)
        XCTAssertEqual(p.encoding, .identity)
        XCTAssertEqual(p.etag.description, "\"3e8-7d0\"")
        XCTAssertEqual(p.contentLength, 2000)
        XCTAssertEqual(p.contentType, "text/html; charset=utf-8")
        XCTAssertTrue(p.acceptRanges)
        XCTAssertTrue(p.vary, "another client could get gzip")
        XCTAssertEqual(p.cache.cacheControl, "no-cache")
        XCTAssertEqual(plan(js).cache.cacheControl, "public, max-age=31536000, immutable")
    }

    func testRepresentations() {
        XCTAssertEqual(plan(js, [("Accept-Encoding", "gzip, br")]).encoding, .sidecar(.br))
        let gz = plan(js, [("Accept-Encoding", "gzip")])
        XCTAssertEqual(gz.encoding, .sidecar(.gzip))
        XCTAssertEqual(gz.sourcePath, "/srv/web/assets/app-3f2a1b9c.js.gz")
        XCTAssertEqual(gz.contentLength, 900)
        XCTAssertEqual(gz.etag.description, "\"3e9-384\"", "the sidecar's own strong tag")
        let onTheFly = plan(html, [("Accept-Encoding", "gzip")])
        XCTAssertEqual(onTheFly.encoding, .gzipOnTheFly)
        XCTAssertEqual(onTheFly.etag.description, "W/\"3e8-7d0\"", "weak when transformed")
        XCTAssertNil(onTheFly.contentLength)
        XCTAssertFalse(onTheFly.acceptRanges)
        XCTAssertEqual(plan(html, [("Accept-Encoding", "gzip")], gzip: nil).encoding, .identity)
        XCTAssertEqual(plan(html, [("Accept-Encoding", "gzip")], method: .HEAD).encoding, .identity, "HEAD")
        var big = GzipConfig()
        big.minLength = NginxSize(bytes: 4096)
        XCTAssertEqual(plan(html, [("Accept-Encoding", "gzip")], gzip: big).encoding, .identity, "min_length")
        XCTAssertFalse(plan(html, gzip: big).vary)
        var cssOnly = GzipConfig()
        cssOnly.types = ["text/css"]
        XCTAssertEqual(plan(js, [("Accept-Encoding", "deflate")], gzip: cssOnly).vary, true, "sidecars exist")
    }

    func testNeverARangeOfACompressedBody() {
        let p = plan(html, [("Accept-Encoding", "gzip"), ("Range", "bytes=0-9")])
        XCTAssertEqual(p.encoding, .identity)
        XCTAssertEqual(p.status, .partialContent)
        XCTAssertEqual(p.contentRange, "bytes 0-9/2000")
        // A range of a precompressed file is a range of that file.
        let sidecar = plan(js, [("Accept-Encoding", "gzip"), ("Range", "bytes=0-9")])
        XCTAssertEqual(sidecar.encoding, .sidecar(.gzip))
        XCTAssertEqual(sidecar.contentRange, "bytes 0-9/900")
    }

    func testConditionalsAndRanges() {
        XCTAssertEqual(plan(html, [("If-None-Match", "\"3e8-7d0\"")]).status, .notModified)
        XCTAssertEqual(plan(html, [("If-None-Match", "\"3e8-7d0\"")]).writesBody, false)
        XCTAssertEqual(plan(html, [("If-None-Match", "W/\"3e8-7d0\""), ("Accept-Encoding", "gzip")]).status,
            .notModified, "a cached gzip copy revalidates")
        XCTAssertEqual(plan(html, [("If-Match", "\"nope\"")]).status, .preconditionFailed)
        XCTAssertEqual(plan(html, [("If-Modified-Since", HTTPDate.format(epochSeconds: 1000))]).status, .notModified)
        let ranged = plan(html, [("Range", "bytes=-100")])
        XCTAssertEqual(ranged.status, .partialContent)
        XCTAssertEqual(ranged.body?.offset, 1900)
        XCTAssertEqual(ranged.body?.count, 100)
        XCTAssertEqual(ranged.contentLength, 100)
        let unsatisfiable = plan(html, [("Range", "bytes=5000-")])
        XCTAssertEqual(unsatisfiable.status, .rangeNotSatisfiable)
        XCTAssertEqual(unsatisfiable.contentRange, "bytes */2000")
        XCTAssertEqual(plan(html, [("Range", "bytes=0-1"), ("If-Range", "\"3e8-7d0\"")]).status, .partialContent)
        XCTAssertEqual(plan(html, [("Range", "bytes=0-1"), ("If-Range", "W/\"3e8-7d0\"")]).status, .ok)
        XCTAssertEqual(plan(html, [("Range", "bytes=0-1"), ("If-Range", "\"old\"")]).status, .ok)
        XCTAssertEqual(plan(html, [("Range", "bytes=0-1,5-6")]).status, .ok)
        let head = plan(html, [("Range", "bytes=0-1")], method: .HEAD)
        XCTAssertEqual(head.status, .partialContent)
        XCTAssertFalse(head.writesBody)
    }

    func testCacheStaticAppliesToServedFiles() {
        let png = ResolvedStaticFile(path: "/srv/web/logo.png", requestPath: "/logo.png",
            status: FileStatus(kind: .regular, size: 10, modificationTime: 1))
        XCTAssertNil(plan(png).cache.cacheControl)
        let p = plan(png, cacheStatic: CacheStaticConfig(extensions: ["png"], maxAge: .seconds(3600)))
        XCTAssertEqual(p.cache.cacheControl, "public, max-age=3600, immutable")
        XCTAssertEqual(p.cache.expiresIn, 3600)
        XCTAssertEqual(plan(html, cacheStatic: CacheStaticConfig(extensions: ["html"], maxAge: .seconds(60)))
            .cache.cacheControl, "no-cache", "no_cache wins")
    }
}
