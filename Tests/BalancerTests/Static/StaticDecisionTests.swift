import XCTest

@testable import BalancerCore
import Shared

/// The RFC 9110 pieces of a file server, table by table: dates, entity tags, preconditions, ranges, codings and
/// file name patterns.
final class StaticDecisionTests: XCTestCase {
    func testHTTPDates() {
        let epoch: Int64 = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT
        XCTAssertEqual(HTTPDateParser.epochSeconds("Sun, 06 Nov 1994 08:49:37 GMT"), epoch)
        XCTAssertEqual(HTTPDateParser.epochSeconds("Sunday, 06-Nov-94 08:49:37 GMT"), epoch)
        XCTAssertEqual(HTTPDateParser.epochSeconds("Sun Nov  6 08:49:37 1994"), epoch)
        XCTAssertEqual(HTTPDateParser.epochSeconds("Thu, 01 Jan 1970 00:00:00 GMT"), 0)
        for invalid in ["", "yesterday", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "1994-11-06T08:49:37Z"]
        {
            XCTAssertNil(HTTPDateParser.epochSeconds(invalid), invalid)
        }
        XCTAssertEqual(HTTPDateParser.epochSeconds(HTTPDateFormatter.format(1_800_000_000)), 1_800_000_000)
    }

    func testEntityTags() {
        XCTAssertEqual(EntityTag.parse("\"abc\""), EntityTag(opaque: "\"abc\""))
        XCTAssertEqual(EntityTag.parse(" W/\"abc\" "), EntityTag(opaque: "\"abc\"", isWeak: true))
        XCTAssertNil(EntityTag.parse("abc"))
        XCTAssertNil(EntityTag.parse("\"a\"b\""))
        XCTAssertEqual(EntityTag.parseList("*"), .any)
        XCTAssertEqual(EntityTag.parseList("\"a\", W/\"b\""), .tags([EntityTag(opaque: "\"a\""),
            EntityTag(opaque: "\"b\"", isWeak: true)]))
        XCTAssertNil(EntityTag.parseList("\"a\", b"))
        XCTAssertEqual(EntityTag(modificationTime: 0x5f3a_0000, size: 0x1c).description, "\"5f3a0000-1c\"")
        XCTAssertEqual(EntityTag(opaque: "\"x\"").weakened.description, "W/\"x\"")
    }

    /// RFC 9110 §13.2.2 for GET: each row is the request's preconditions and the expected outcome against a file
    /// whose tag is "v2" and which was last modified at 1000.
    func testPreconditions() {
        let etag = EntityTag(opaque: "\"v2\"")
        let date = { (seconds: Int64) in HTTPDateFormatter.format(seconds) }
        let rows: [(ConditionalRequest, ConditionalRequest.Outcome, String)] = [
            (ConditionalRequest(), .proceed, "none"),
            (ConditionalRequest(ifNoneMatch: "\"v2\""), .notModified, "INM match"),
            (ConditionalRequest(ifNoneMatch: "W/\"v2\""), .notModified, "INM weak match"),
            (ConditionalRequest(ifNoneMatch: "\"v1\", \"v2\""), .notModified, "INM list"),
            (ConditionalRequest(ifNoneMatch: "*"), .notModified, "INM any"),
            (ConditionalRequest(ifNoneMatch: "\"v1\""), .proceed, "INM other"),
            (ConditionalRequest(ifModifiedSince: date(1000)), .notModified, "IMS equal"),
            (ConditionalRequest(ifModifiedSince: date(2000)), .notModified, "IMS later"),
            (ConditionalRequest(ifModifiedSince: date(999)), .proceed, "IMS earlier"),
            (ConditionalRequest(ifModifiedSince: "garbage"), .proceed, "IMS invalid ignored"),
            (ConditionalRequest(ifNoneMatch: "\"v1\"", ifModifiedSince: date(2000)), .proceed, "INM wins over IMS"),
            (ConditionalRequest(ifMatch: "\"v2\""), .proceed, "IM match"),
            (ConditionalRequest(ifMatch: "W/\"v2\""), .preconditionFailed, "IM needs strong"),
            (ConditionalRequest(ifMatch: "\"v1\""), .preconditionFailed, "IM other"),
            (ConditionalRequest(ifMatch: "*"), .proceed, "IM any"),
            (ConditionalRequest(ifUnmodifiedSince: date(999)), .preconditionFailed, "IUS earlier"),
            (ConditionalRequest(ifUnmodifiedSince: date(1000)), .proceed, "IUS equal"),
            (ConditionalRequest(ifMatch: "\"v2\"", ifUnmodifiedSince: date(1)), .proceed, "IM wins over IUS"),
            (ConditionalRequest(ifMatch: "\"v1\"", ifNoneMatch: "\"v2\""), .preconditionFailed, "IM before INM"),
        ]
        for (request, expected, name) in rows {
            XCTAssertEqual(request.evaluate(etag: etag, lastModified: 1000), expected, name)
        }
    }

    func testIfRange() {
        let etag = EntityTag(opaque: "\"v2\"")
        XCTAssertTrue(ConditionalRequest().rangeAllowed(etag: etag, lastModified: 1000))
        XCTAssertTrue(ConditionalRequest(ifRange: "\"v2\"").rangeAllowed(etag: etag, lastModified: 1000))
        XCTAssertFalse(ConditionalRequest(ifRange: "W/\"v2\"").rangeAllowed(etag: etag, lastModified: 1000))
        XCTAssertFalse(ConditionalRequest(ifRange: "\"v1\"").rangeAllowed(etag: etag, lastModified: 1000))
        XCTAssertTrue(
            ConditionalRequest(ifRange: HTTPDateFormatter.format(1000)).rangeAllowed(etag: etag, lastModified: 1000))
        XCTAssertFalse(
            ConditionalRequest(ifRange: HTTPDateFormatter.format(999)).rangeAllowed(etag: etag, lastModified: 1000))
        XCTAssertFalse(ConditionalRequest(ifRange: "nonsense").rangeAllowed(etag: etag, lastModified: 1000))
    }

    func testRanges() {
        let rows: [(String?, Int64, RangeRequest)] = [
            (nil, 100, .full),
            ("bytes=0-9", 100, .partial(first: 0, last: 9)),
            ("bytes=90-", 100, .partial(first: 90, last: 99)),
            ("bytes=-10", 100, .partial(first: 90, last: 99)),
            ("bytes=-1000", 100, .partial(first: 0, last: 99)),
            ("bytes=50-1000", 100, .partial(first: 50, last: 99)),
            ("BYTES = 0-0", 100, .full),
            ("Bytes=0-0", 100, .partial(first: 0, last: 0)),
            ("bytes=100-", 100, .unsatisfiable),
            ("bytes=100-200", 100, .unsatisfiable),
            ("bytes=-0", 100, .unsatisfiable),
            ("bytes=5-1", 100, .full),
            ("bytes=a-b", 100, .full),
            ("bytes=-", 100, .full),
            ("bytes=+1-2", 100, .full),
            ("items=0-9", 100, .full),
            ("bytes=0-0,0-0,0-0", 100, .full),
            ("bytes=0-9,20-29", 100, .full),
            ("bytes=0-9, ", 100, .partial(first: 0, last: 9)),
            ("bytes=0-9", 0, .full),
            ("bytes=99999999999999999999-", 100, .full),
            ("bytes=" + String(repeating: "0-0,", count: 400), 100, .full),
        ]
        for (header, length, expected) in rows {
            XCTAssertEqual(RangeRequest.evaluate(header, length: length), expected, header ?? "nil")
        }
    }

    func testAcceptEncoding() {
        XCTAssertEqual(AcceptedEncodings(nil), AcceptedEncodings(br: 0, gzip: 0, identity: 1000))
        XCTAssertEqual(AcceptedEncodings("gzip, deflate, br"), AcceptedEncodings(br: 1000, gzip: 1000, identity: 1))
        XCTAssertEqual(AcceptedEncodings("gzip;q=0.5, br;q=0"), AcceptedEncodings(br: 0, gzip: 500, identity: 1))
        XCTAssertEqual(AcceptedEncodings("*"), AcceptedEncodings(br: 1000, gzip: 1000, identity: 1))
        XCTAssertEqual(AcceptedEncodings("*;q=0, gzip"), AcceptedEncodings(br: 0, gzip: 1000, identity: 0))
        XCTAssertEqual(AcceptedEncodings("GZIP;Q=1.0"), AcceptedEncodings(br: 0, gzip: 1000, identity: 1))
        XCTAssertEqual(AcceptedEncodings("gzip;q=2"), AcceptedEncodings(br: 0, gzip: 0, identity: 1))
        XCTAssertEqual(AcceptedEncodings("x-gzip"), AcceptedEncodings(br: 0, gzip: 1000, identity: 1))
    }

    func testEncodingChoice() {
        let rows: [(String?, Set<ContentCoding>, Bool, ContentEncodingChoice)] = [
            (nil, [.br, .gzip], true, .identity),
            ("gzip", [], true, .gzipOnTheFly),
            ("gzip", [], false, .identity),
            ("gzip", [.gzip], true, .sidecar(.gzip)),
            ("gzip, br", [.br, .gzip], true, .sidecar(.br)),
            ("gzip, br;q=0.5", [.br, .gzip], true, .sidecar(.gzip)),
            ("br", [.gzip], true, .identity),
            ("br;q=0.5, gzip", [.br], true, .gzipOnTheFly),
            ("gzip;q=0.5, identity", [.gzip], true, .identity),
            ("identity;q=0, gzip;q=0.1", [], true, .gzipOnTheFly),
            ("deflate", [.gzip], true, .identity),
        ]
        for (header, sidecars, onTheFly, expected) in rows {
            XCTAssertEqual(
                ContentEncodingChoice.choose(
                    accepted: AcceptedEncodings(header), sidecars: sidecars, gzipOnTheFly: onTheFly),
                expected, "\(header ?? "nil") \(sidecars) \(onTheFly)")
        }
    }

    func testNamePatterns() {
        let hashed = ["*.{hash}.*", "*-{hash}.*"].compactMap(StaticNamePattern.init)
        let isHashed = { (path: String) in hashed.contains { $0.matches(path: path) } }
        for path in ["/assets/index-BfXb3k9Q.js", "/static/js/main.3f2a1b9c.js", "/app.3f2a1b9c.chunk.css",
            "/assets/vendor-a1B2_c3D4e5.js", "/a/b/logo-0123abcd.svg"]
        {
            XCTAssertTrue(isHashed(path), path)
        }
        for path in ["/index.html", "/app.js", "/page-settings.js", "/chunk-Dashboard.js", "/a.min.js",
            "/assets/index-abc1.js", "/3f2a1b9c.js", "/dir.3f2a1b9c/app.js"]
        {
            XCTAssertFalse(isHashed(path), path)
        }
        XCTAssertTrue(StaticNamePattern("*.html")!.matches(path: "/a/b/index.html"))
        XCTAssertFalse(StaticNamePattern("*.html")!.matches(path: "/a/b/index.htm"))
        XCTAssertTrue(StaticNamePattern("/assets/*")!.matches(path: "/assets/x.js"))
        XCTAssertFalse(StaticNamePattern("/assets/*")!.matches(path: "/assets/sub/x.js"))
        XCTAssertTrue(StaticNamePattern("/sw.js")!.matches(path: "/sw.js"))
        XCTAssertTrue(StaticNamePattern("?.txt")!.matches(path: "/a.txt"))
        XCTAssertNotNil(StaticNamePattern.problem(in: "*.{md5}.js"))
        XCTAssertNotNil(StaticNamePattern.problem(in: "a}"))
        XCTAssertNil(StaticNamePattern.problem(in: "*-{hash}.*"))
    }

    func testMediaTypes() {
        XCTAssertEqual(StaticMediaTypes.contentType(forPath: "/index.html"), "text/html; charset=utf-8")
        XCTAssertEqual(StaticMediaTypes.contentType(forPath: "/a/app.JS"), "application/javascript; charset=utf-8")
        XCTAssertEqual(StaticMediaTypes.contentType(forPath: "/logo.svg"), "image/svg+xml; charset=utf-8")
        XCTAssertEqual(StaticMediaTypes.contentType(forPath: "/font.woff2"), "font/woff2")
        XCTAssertEqual(StaticMediaTypes.contentType(forPath: "/x.png"), "image/png")
        XCTAssertEqual(StaticMediaTypes.contentType(forPath: "/data.bin"), "application/octet-stream")
        XCTAssertEqual(StaticMediaTypes.contentType(forPath: "/.htaccess"), "application/octet-stream")
        XCTAssertEqual(StaticMediaTypes.contentType(forPath: "/Makefile"), "application/octet-stream")
    }
}

/// The balancer's own HTTP-date writer, for building test inputs.
enum HTTPDateFormatter {
    static func format(_ seconds: Int64) -> String { HTTPDate.format(epochSeconds: seconds) }
}
