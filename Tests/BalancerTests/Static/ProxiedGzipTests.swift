import CompressNIO
import Foundation
import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// gzip of responses that arrive from an upstream uncompressed, over sockets: compressed when the client accepts
/// it and the type is listed, never twice, never for HEAD, with `Vary` and a weak ETag.
final class ProxiedGzipTests: XCTestCase {
    private static let json = "{\"items\":[" + Array(repeating: "{\"id\":1,\"name\":\"apple\"}", count: 400)
        .joined(separator: ",") + "]}"

    private func site(answer: String, gzip: String = "gzip: {}") async throws -> StaticSiteFixture {
        try await StaticSiteFixture(settings: gzip, upstreamAnswer: answer)
    }

    private static func response(_ headers: String, body: String = json) -> String {
        "HTTP/1.1 200 OK\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    func testAnUncompressedJSONResponseIsGzipped() async throws {
        let site = try await site(answer: Self.response("Content-Type: application/json\r\nETag: \"v1\"\r\n"))
        defer { Task { await site.shutdown() } }
        let (headers, body) = try await site.getBytes("/api/items", [("Accept-Encoding", "gzip, deflate")])
        XCTAssertEqual(headers.first(name: "content-encoding"), "gzip")
        XCTAssertEqual(headers.first(name: "vary"), "Accept-Encoding")
        XCTAssertEqual(headers.first(name: "etag"), "W/\"v1\"")
        XCTAssertNil(headers.first(name: "content-length"))
        XCTAssertEqual(headers.first(name: "transfer-encoding"), "chunked")
        XCTAssertEqual(try StaticSiteFixture.gunzip(body), Self.json)
        XCTAssertLessThan(body.readableBytes, Self.json.utf8.count / 5)

        let plain = try await site.get("/api/items")
        XCTAssertEqual(plain.body, Self.json, "a client that does not accept gzip gets it as it was")
        XCTAssertNil(plain.headers.first(name: "content-encoding"))
        XCTAssertEqual(plain.headers.first(name: "etag"), "\"v1\"")
        let head = try await site.get("/api/items", [("Accept-Encoding", "gzip")], method: .HEAD)
        XCTAssertNil(head.headers.first(name: "content-encoding"), "HEAD is not compressed")
        // Keep-alive goes on after a gzipped response.
        for _ in 0..<3 {
            let (_, again) = try await site.getBytes("/api/items", [("Accept-Encoding", "gzip")])
            XCTAssertEqual(try StaticSiteFixture.gunzip(again), Self.json)
        }
    }

    func testAChunkedUpstreamResponseIsGzipped() async throws {
        let chunks = Self.json.utf8.count
        let answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(chunks, radix: 16) + "\r\n" + Self.json + "\r\n0\r\n\r\n"
        let site = try await site(answer: answer)
        defer { Task { await site.shutdown() } }
        let (headers, body) = try await site.getBytes("/api/stream", [("Accept-Encoding", "gzip")])
        XCTAssertEqual(headers.first(name: "content-encoding"), "gzip")
        XCTAssertEqual(try StaticSiteFixture.gunzip(body), Self.json)
    }

    func testNeverTwiceNorWhenTheUpstreamSaysNo() async throws {
        let cases = [
            "Content-Type: application/json\r\nContent-Encoding: gzip\r\n",
            "Content-Type: application/json\r\nCache-Control: no-transform\r\n",
            "Content-Type: image/png\r\n",
        ]
        for headers in cases {
            let site = try await site(answer: Self.response(headers))
            let response = try await site.get("/api/x", [("Accept-Encoding", "gzip")])
            XCTAssertEqual(response.body, Self.json, headers)
            XCTAssertEqual(response.headers.first(name: "content-length"), String(Self.json.utf8.count), headers)
            XCTAssertEqual(response.headers[canonicalForm: "content-encoding"].count, headers.contains("gzip") ? 1 : 0)
            await site.shutdown()
        }
        let short = try await site(answer: Self.response("Content-Type: application/json\r\n", body: "{}"))
        defer { Task { await short.shutdown() } }
        let response = try await short.get("/api/x", [("Accept-Encoding", "gzip")])
        XCTAssertNil(response.headers.first(name: "content-encoding"), "below min_length")
    }

    func testOffWhenNotConfiguredOrTheRouteSaysSo() async throws {
        let answer = Self.response("Content-Type: application/json\r\n")
        let off = try await site(answer: answer, gzip: "")
        let response = try await off.get("/api/x", [("Accept-Encoding", "gzip")])
        XCTAssertNil(response.headers.first(name: "content-encoding"), "no gzip: key, no compression")
        await off.shutdown()
        let proxiedOff = try await site(answer: answer, gzip: "gzip: {proxied: false}")
        defer { Task { await proxiedOff.shutdown() } }
        let second = try await proxiedOff.get("/api/x", [("Accept-Encoding", "gzip")])
        XCTAssertNil(second.headers.first(name: "content-encoding"))
    }
}
