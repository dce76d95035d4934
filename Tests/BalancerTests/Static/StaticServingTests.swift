import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// A static route over real sockets: files with their validators, conditional requests, ranges, sidecars,
/// compression, the SPA fallback next to a proxied API, methods, keep-alive and pipelining.
final class StaticServingTests: XCTestCase {
    private var site: StaticSiteFixture!

    override func setUp() async throws {
        site = try await StaticSiteFixture(settings: "gzip: {min_length: 100}")
    }

    override func tearDown() async throws {
        await site?.shutdown()
        site = nil
    }

    func testFilesWithTheirValidatorsAndCaching() async throws {
        let index = try await site.get("/")
        XCTAssertEqual(index.status, 200)
        XCTAssertEqual(index.body, StaticSiteFixture.index)
        XCTAssertEqual(index.headers.first(name: "content-type"), "text/html; charset=utf-8")
        XCTAssertEqual(index.headers.first(name: "cache-control"), "no-cache")
        XCTAssertEqual(index.headers.first(name: "accept-ranges"), "bytes")
        XCTAssertEqual(index.headers.first(name: "x-frame-options"), "SAMEORIGIN", "response_headers apply")
        XCTAssertNotNil(index.headers.first(name: "x-request-id"))
        let attributes = try FileManager.default.attributesOfItem(atPath: site.root + "/index.html")
        let mtime = Int64((attributes[.modificationDate] as! Date).timeIntervalSince1970)
        XCTAssertEqual(index.headers.first(name: "last-modified"), HTTPDateFormatter.format(mtime))
        let size = StaticSiteFixture.index.utf8.count
        XCTAssertEqual(index.headers.first(name: "etag"),
            "\"\(String(mtime, radix: 16))-\(String(size, radix: 16))\"", "nginx's ETag for the same file")

        let bundle = try await site.get("/assets/app-3f2a1b9c.js")
        XCTAssertEqual(bundle.body, StaticSiteFixture.bundle, "sent with sendfile")
        XCTAssertEqual(bundle.headers.first(name: "cache-control"), "public, max-age=31536000, immutable")
        XCTAssertEqual(bundle.headers.first(name: "content-type"), "application/javascript; charset=utf-8")
        XCTAssertEqual(bundle.headers.first(name: "content-length"), String(StaticSiteFixture.bundle.utf8.count))

        let head = try await site.get("/assets/app-3f2a1b9c.js", method: .HEAD)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, "")
        XCTAssertEqual(head.headers.first(name: "content-length"), String(StaticSiteFixture.bundle.utf8.count))
        XCTAssertEqual(head.headers.first(name: "etag"), bundle.headers.first(name: "etag"))
    }

    /// The second request for a file on the loop is answered from the prepared answer its first one left in the
    /// open-file cache: the same head, field for field, except what changes per request; GET and HEAD, and each
    /// set of accepted codings, get their own.
    func testRepeatedRequestsGetThePreparedAnswerOfTheirKind() async throws {
        func stable(_ headers: HTTPHeaders) -> [String] {
            headers.filter { !["date", "x-request-id"].contains($0.name.lowercased()) }.map { "\($0.name): \($0.value)" }
        }
        for path in ["/", "/assets/style.css", "/assets/app-3f2a1b9c.js"] {
            for (method, headers) in [
                (HTTPMethod.GET, [(String, String)]()), (.HEAD, []), (.GET, [("Accept-Encoding", "gzip")]),
                (.GET, [("Accept-Encoding", "br, gzip")]), (.HEAD, [("Accept-Encoding", "gzip")]),
            ] {
                let first = try await site.get(path, headers, method: method)
                for _ in 0..<3 {
                    let again = try await site.get(path, headers, method: method)
                    XCTAssertEqual(again.status, first.status, "\(method) \(path) \(headers)")
                    XCTAssertEqual(stable(again.headers), stable(first.headers), "\(method) \(path) \(headers)")
                    XCTAssertEqual(again.body, first.body, "\(method) \(path) \(headers)")
                }
            }
        }
        let css = try await site.get("/assets/style.css", [("Accept-Encoding", "br")])
        XCTAssertEqual(css.headers.first(name: "content-encoding"), "br")
        XCTAssertEqual(css.body, "BROTLI-SIDECAR")
        let plain = try await site.get("/assets/style.css")
        XCTAssertNil(plain.headers.first(name: "content-encoding"), "an identity client never gets a kept sidecar")
        let head = try await site.get("/assets/style.css", method: .HEAD)
        XCTAssertEqual(head.body, "", "a HEAD after GETs still sends no body")
        XCTAssertEqual(head.headers.first(name: "content-length"), plain.headers.first(name: "content-length"))
        // A conditional request after them is still decided: 304, not the prepared 200.
        let etag = try XCTUnwrap(plain.headers.first(name: "etag"))
        let notModified = try await site.get("/assets/style.css", [("if-none-match", etag)])
        XCTAssertEqual(notModified.status, 304)
        let ranged = try await site.get("/assets/style.css", [("RANGE", "bytes=0-3")])
        XCTAssertEqual(ranged.status, 206)
        XCTAssertEqual(ranged.body, "body")
    }

    func testConditionalRequests() async throws {
        let first = try await site.get("/assets/app-3f2a1b9c.js")
        let etag = try XCTUnwrap(first.headers.first(name: "etag"))
        let lastModified = try XCTUnwrap(first.headers.first(name: "last-modified"))
        let notModified = try await site.get("/assets/app-3f2a1b9c.js", [("If-None-Match", etag)])
        XCTAssertEqual(notModified.status, 304)
        XCTAssertEqual(notModified.body, "")
        XCTAssertEqual(notModified.headers.first(name: "etag"), etag)
        XCTAssertEqual(notModified.headers.first(name: "cache-control"), "public, max-age=31536000, immutable")
        XCTAssertNil(notModified.headers.first(name: "content-length"))
        let since = try await site.get("/assets/app-3f2a1b9c.js", [("If-Modified-Since", lastModified)])
        XCTAssertEqual(since.status, 304)
        let changed = try await site.get("/assets/app-3f2a1b9c.js", [("If-None-Match", "\"other\"")])
        XCTAssertEqual(changed.status, 200)
        let failed = try await site.get("/assets/app-3f2a1b9c.js", [("If-Match", "\"other\"")])
        XCTAssertEqual(failed.status, 412)
        let unmodified = try await site.get("/assets/app-3f2a1b9c.js", [("If-Unmodified-Since", lastModified)])
        XCTAssertEqual(unmodified.status, 200)
    }

    func testRanges() async throws {
        let bundle = Array(StaticSiteFixture.bundle.utf8)
        let partial = try await site.get("/assets/app-3f2a1b9c.js", [("Range", "bytes=100-199")])
        XCTAssertEqual(partial.status, 206)
        XCTAssertEqual(Array(partial.body.utf8), Array(bundle[100...199]), "a region of the file with sendfile")
        XCTAssertEqual(partial.headers.first(name: "content-range"), "bytes 100-199/\(bundle.count)")
        XCTAssertEqual(partial.headers.first(name: "content-length"), "100")
        let suffix = try await site.get("/index.html", [("Range", "bytes=-5")])
        XCTAssertEqual(suffix.status, 206)
        XCTAssertEqual(suffix.body, String(StaticSiteFixture.index.suffix(5)), "a slice of a file kept in memory")
        let unsatisfiable = try await site.get("/index.html", [("Range", "bytes=9999-")])
        XCTAssertEqual(unsatisfiable.status, 416)
        XCTAssertEqual(unsatisfiable.headers.first(name: "content-range"),
            "bytes */\(StaticSiteFixture.index.utf8.count)")
        let several = try await site.get("/index.html", [("Range", "bytes=0-0,0-0,0-0,0-0")])
        XCTAssertEqual(several.status, 200, "several ranges: the whole file")
        XCTAssertEqual(several.body, StaticSiteFixture.index)
        let etag = try XCTUnwrap(partial.headers.first(name: "etag"))
        let ifRange = try await site.get("/assets/app-3f2a1b9c.js", [("Range", "bytes=0-9"), ("If-Range", etag)])
        XCTAssertEqual(ifRange.status, 206)
        let weak = try await site.get("/assets/app-3f2a1b9c.js", [("Range", "bytes=0-9"), ("If-Range", "W/" + etag)])
        XCTAssertEqual(weak.status, 200, "a weak tag never allows a range")
        XCTAssertEqual(weak.body.utf8.count, bundle.count)
    }

    func testPrecompressedSidecars() async throws {
        let br = try await site.get("/assets/style.css", [("Accept-Encoding", "gzip, br")])
        XCTAssertEqual(br.body, "BROTLI-SIDECAR")
        XCTAssertEqual(br.headers.first(name: "content-encoding"), "br")
        XCTAssertEqual(br.headers.first(name: "content-type"), "text/css; charset=utf-8", "the original's type")
        XCTAssertEqual(br.headers.first(name: "vary"), "Accept-Encoding")
        let gz = try await site.get("/assets/style.css", [("Accept-Encoding", "gzip")])
        XCTAssertEqual(gz.body, "GZIP-SIDECAR")
        XCTAssertEqual(gz.headers.first(name: "content-encoding"), "gzip")
        XCTAssertNotEqual(gz.headers.first(name: "etag"), br.headers.first(name: "etag"))
        let plain = try await site.get("/assets/style.css")
        XCTAssertTrue(plain.body.hasPrefix("body { color: red; }"))
        XCTAssertNil(plain.headers.first(name: "content-encoding"))
        XCTAssertEqual(plain.headers.first(name: "vary"), "Accept-Encoding")
    }

    func testGzipOnTheFly() async throws {
        let (headers, body) = try await site.getBytes("/assets/app-3f2a1b9c.js", [("Accept-Encoding", "gzip")])
        XCTAssertEqual(headers.first(name: "content-encoding"), "gzip")
        XCTAssertEqual(headers.first(name: "vary"), "Accept-Encoding")
        XCTAssertTrue(headers.first(name: "etag")?.hasPrefix("W/\"") == true, "weak: the bytes are transformed")
        XCTAssertNil(headers.first(name: "accept-ranges"))
        XCTAssertEqual(headers.first(name: "content-length"), String(body.readableBytes))
        XCTAssertLessThan(body.readableBytes, StaticSiteFixture.bundle.utf8.count / 10)
        XCTAssertEqual(try StaticSiteFixture.gunzip(body), StaticSiteFixture.bundle)
        // Again, from the open-file cache: the same bytes.
        let (_, again) = try await site.getBytes("/assets/app-3f2a1b9c.js", [("Accept-Encoding", "gzip")])
        XCTAssertEqual(again, body)
        let ranged = try await site.get("/assets/app-3f2a1b9c.js", [("Accept-Encoding", "gzip"), ("Range", "bytes=0-9")])
        XCTAssertEqual(ranged.status, 206, "never a range of a compressed body: the range of the file")
        XCTAssertNil(ranged.headers.first(name: "content-encoding"))
        let small = try await site.get("/docs/", [("Accept-Encoding", "gzip")])
        XCTAssertNil(small.headers.first(name: "content-encoding"), "below min_length")
    }

    func testSinglePageAppFallbackNextToTheAPI() async throws {
        for path in ["/client/route", "/users/42/settings", "/missing.js"] {
            let page = try await site.get(path)
            XCTAssertEqual(page.status, 200, path)
            XCTAssertEqual(page.body, StaticSiteFixture.index, path)
            XCTAssertEqual(page.headers.first(name: "cache-control"), "no-cache", path)
        }
        let api = try await site.get("/api/users")
        XCTAssertEqual(api.body, "{\"api\":true}", "API prefixes still go to their upstream")
    }

    func testDirectoriesMethodsAndLinks() async throws {
        let redirect = try await site.get("/docs")
        XCTAssertEqual(redirect.status, 301)
        XCTAssertEqual(redirect.headers.first(name: "location"), "/docs/")
        let docs = try await site.get("/docs/")
        XCTAssertEqual(docs.body, "<h1>docs</h1>")
        let empty = try await site.get("/empty/")
        XCTAssertEqual(empty.body, StaticSiteFixture.index, "no listing: the fallback")
        let alias = try await site.get("/alias.html")
        XCTAssertEqual(alias.body, StaticSiteFixture.index, "a link inside the root is followed")
        for method in [HTTPMethod.POST, .PUT, .DELETE, .OPTIONS] {
            let refused = try await site.get("/index.html", method: method)
            XCTAssertEqual(refused.status, 405, "\(method)")
            XCTAssertEqual(refused.headers.first(name: "allow"), "GET, HEAD")
        }
    }

    func testKeepAliveAndPipelining() throws {
        let raw = try RawHTTP(port: site.balancer.port)
        raw.send(
            "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /assets/app-3f2a1b9c.js HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /.env HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /docs/ HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        let text = raw.receive(until: "User-agent: *", maxBytes: 1 << 22)
        let statuses = text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        XCTAssertEqual(statuses, ["200", "200", "404", "200", "200"], "in order, on one connection")
        XCTAssertTrue(text.contains(StaticSiteFixture.bundle))
        XCTAssertFalse(text.contains(StaticSiteFixture.secret))
        XCTAssertFalse(text.contains("Connection: close"))
        raw.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let last = raw.receive()
        XCTAssertTrue(last.contains("Connection: close"), last)
        XCTAssertTrue(raw.peerClosed())
    }

    /// A static route's own errors to HEAD (a hidden file's 404) say the length of their body and send none, so
    /// the next response on the connection parses from its first byte.
    func testErrorsToHeadSendNoBody() throws {
        let connection = try KeepAliveClient(port: site.balancer.port)
        let missing = try connection.head("/.env", headers: ["X-Request-ID: same"])
        XCTAssertEqual(missing.status, 404)
        let get = try connection.get("/.env", headers: ["X-Request-ID: same"])
        XCTAssertEqual(get.status, 404, "the GET after the HEAD parses from its first byte")
        XCTAssertTrue(get.body.contains("\"status\":404"), get.body)
        XCTAssertEqual(missing.headers["content-length"], String(get.body.utf8.count))
        XCTAssertEqual(try connection.get("/robots.txt").status, 200)
    }

    func testHTTP10Clients() throws {
        let raw = try RawHTTP(port: site.balancer.port)
        raw.send("GET /index.html HTTP/1.0\r\n\r\n")
        let text = raw.receive()
        XCTAssertTrue(text.hasPrefix("HTTP/1.0 200 OK\r\n"), text)
        XCTAssertTrue(text.contains("Connection: close\r\n"), text)
        XCTAssertTrue(text.hasSuffix(StaticSiteFixture.index))
    }
}
