import Foundation
import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

#if canImport(Glibc)
    import Glibc
#endif

/// A static route against hostile requests and changing files, over raw sockets: nothing outside the root or
/// hidden ever comes back and every refusal looks the same; a file replaced or truncated while it is sent;
/// a client that stops reading.
final class StaticEdgeTests: XCTestCase {
    func testTraversalAndHiddenFilesRevealNothing() async throws {
        let site = try await StaticSiteFixture()
        defer { Task { await site.shutdown() } }
        let targets: [(String, Int)] = [
            ("/../secret.txt", 400),
            ("/%2e%2e/secret.txt", 400),
            ("/assets/../../secret.txt", 400),
            ("/..%2fsecret.txt", 404),
            ("/assets%2f..%2f..%2fsecret.txt", 404),
            ("/..%5csecret.txt", 404),
            ("/%2e%2e%5csecret.txt", 404),
            ("/index.html%00.js", 400),
            ("/escape.txt", 404),
            ("/.env", 404),
            ("/%2eenv", 404),
            ("/.git/config", 404),
            ("/assets/.%2e/.env", 404),
            ("/a%0d%0aSet-Cookie:x", 404),
            ("//../secret.txt", 400),
            ("/%252e%252e/secret.txt", 200),  // a literal "%2e%2e" directory name: missing, so the fallback
        ]
        var bodies: [Int: Set<String>] = [:]
        for (target, status) in targets {
            let raw = try RawHTTP(port: site.balancer.port)
            raw.send("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let response = raw.receive()
            XCTAssertTrue(response.hasPrefix("HTTP/1.1 \(status) "), "\(target): \(response.prefix(80))")
            XCTAssertFalse(response.contains(StaticSiteFixture.secret), target)
            XCTAssertFalse(response.contains("[core]"), target)
            XCTAssertFalse(response.contains(site.root), "\(target): no path of the machine")
            // Every refusal has the same body but for the request id.
            let body = response.components(separatedBy: "\r\n\r\n").last ?? ""
            bodies[status, default: []].insert(body.replacingOccurrences(
                of: #""request_id":"[^"]*""#, with: "", options: .regularExpression))
        }
        XCTAssertEqual(bodies[404]?.count, 1, "\(bodies[404] ?? [])")
    }

    func testAFileReplacedWhileItIsSentIsSentWholeThenTheNewOne() async throws {
        let site = try await StaticSiteFixture(settings: "open_file_cache: {valid: 50ms}")
        defer { Task { await site.shutdown() } }
        let old = String(repeating: "old version of the big file\n", count: 150_000)  // 4.2 MB
        try site.writeFile(old, "big.txt")
        let raw = try RawHTTP(port: site.balancer.port, timeout: 10, receiveBuffer: 4096)
        raw.send("GET /big.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = raw.receiveHead()
        XCTAssertTrue(head.contains("Content-Length: \(old.utf8.count)"), head)
        var body = raw.receiveBytes(64 * 1024)
        // Deployed the usual way: a new file renamed over the old one while the response is on its way.
        let new = String(repeating: "NEW version\n", count: 1000)
        try site.writeFile(new, "big.txt")
        body += raw.receiveBytes(old.utf8.count - body.count)
        XCTAssertEqual(body.count, old.utf8.count)
        XCTAssertTrue(body.elementsEqual(old.utf8), "the response in progress keeps the file it opened")
        // Once open_file_cache.valid (50 ms) has passed, a request sees the new file: asked until it does, at most 5 s.
        let deadline = Date().addingTimeInterval(5)
        var next = try await site.get("/big.txt")
        while next.body != new && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            next = try await site.get("/big.txt")
        }
        XCTAssertEqual(next.body, new, "a request after open_file_cache.valid passed gets the new file")
    }

    func testAFileTruncatedWhileItIsSentEndsTheConnection() async throws {
        let site = try await StaticSiteFixture()
        defer { Task { await site.shutdown() } }
        let content = String(repeating: "x", count: 8 << 20)
        try site.writeFile(content, "huge.bin")
        let raw = try RawHTTP(port: site.balancer.port, timeout: 10, receiveBuffer: 4096)
        raw.send("GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = raw.receiveHead()
        _ = raw.receiveBytes(64 * 1024)
        // Truncated in place (as `cp` over it or a log rotation would): sendfile can no longer finish.
        XCTAssertEqual(truncate(site.root + "/huge.bin", 1024), 0)
        let started = Date()
        var received = 0
        while true {
            let chunk = raw.receiveBytes(1 << 20)
            if chunk.isEmpty { break }
            received += chunk.count
        }
        XCTAssertLessThan(received, content.utf8.count, "the client sees a cut response, never a complete one")
        XCTAssertLessThan(Date().timeIntervalSince(started), 8, "closed soon, not after send_timeout")
        let after = try await site.get("/index.html")
        XCTAssertEqual(after.status, 200, "the balancer goes on serving")
    }

    func testAClientThatStopsReadingIsClosedAfterSendTimeout() async throws {
        let site = try await StaticSiteFixture(settings: "limits: {send_timeout: 1s}")
        defer { Task { await site.shutdown() } }
        try site.writeFile(String(repeating: "y", count: 16 << 20), "video.bin")
        let raw = try RawHTTP(port: site.balancer.port, timeout: 10, receiveBuffer: 4096)
        raw.send("GET /video.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = raw.receiveHead()
        try await Task.sleep(for: .seconds(3))
        // Whatever was buffered drains, then the connection ends: the reads stop well short of the file.
        var received = 0
        while true {
            let chunk = raw.receiveBytes(1 << 20)
            if chunk.isEmpty { break }
            received += chunk.count
        }
        XCTAssertLessThan(received, 16 << 20)
    }
}
