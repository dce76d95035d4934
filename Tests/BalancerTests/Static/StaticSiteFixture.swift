import AsyncHTTPClient
import CompressNIO
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// A built web app in a temporary directory, a secret next to it, and a balancer serving it in front of a fake
/// API upstream: the setup of the static serving tests.
final class StaticSiteFixture: @unchecked Sendable {
    let directory: URL
    var root: String { directory.appendingPathComponent("web").path }
    let balancer: BalancerHarness
    let upstream: FakeUpstream
    let client = HTTPClient.makeForTests()

    static let index = "<!doctype html><title>app</title><div id=app></div>\n"
    /// Large enough to go out with sendfile (more than the in-memory limit).
    static let bundle = String(repeating: "console.log('the app bundle, line of text');\n", count: 6000)
    static let secret = "TOP-SECRET-OUTSIDE-THE-ROOT"

    init(settings: String = "", staticSettings: String = "", upstreamAnswer: String? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString)")
        let web = directory.appendingPathComponent("web")
        let fm = FileManager.default
        for sub in ["assets", "docs", "empty", ".git"] {
            try fm.createDirectory(at: web.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        func write(_ text: String, _ path: String) throws {
            try text.write(to: web.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        try write(Self.index, "index.html")
        try write(Self.bundle, "assets/app-3f2a1b9c.js")
        try write("body { color: red; }\n" + String(repeating: "p { margin: 0; }\n", count: 200), "assets/style.css")
        try write("GZIP-SIDECAR", "assets/style.css.gz")
        try write("BROTLI-SIDECAR", "assets/style.css.br")
        try write("<h1>docs</h1>", "docs/index.html")
        try write("API_KEY=\(Self.secret)", ".env")
        try write("[core]", ".git/config")
        try write("User-agent: *", "robots.txt")
        try Self.secret.write(to: directory.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(
            atPath: web.appendingPathComponent("escape.txt").path,
            withDestinationPath: directory.appendingPathComponent("secret.txt").path)
        try fm.createSymbolicLink(
            atPath: web.appendingPathComponent("alias.html").path, withDestinationPath: "index.html")

        let answer = upstreamAnswer ?? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"api\":true}"
        upstream = try await FakeUpstream(.raw(answer))
        balancer = try await BalancerHarness(
            yaml: """
                response_headers:
                  X-Frame-Options: SAMEORIGIN
                \(settings)
                upstreams:
                  backend:
                    servers: [\(upstream.address)]
                routes:
                  - prefix: /api/
                    upstream: backend
                  - prefix: /
                    static:
                      root: \(web.path)
                      fallback: /index.html
                      precompressed: true
                \(staticSettings)
                """,
            workers: 1
        )
    }

    var url: String { balancer.baseURL }

    func get(_ path: String, _ headers: [(String, String)] = [], method: HTTPMethod = .GET) async throws
        -> (status: Int, headers: HTTPHeaders, body: String)
    {
        try await client.fetch(url + path, method: method, headers: headers)
    }

    /// The raw bytes of a response body (for compressed ones).
    func getBytes(_ path: String, _ headers: [(String, String)] = []) async throws -> (HTTPHeaders, ByteBuffer) {
        var request = HTTPClientRequest(url: url + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(30))
        return (response.headers, try await response.body.collect(upTo: 64 << 20))
    }

    static func gunzip(_ buffer: ByteBuffer) throws -> String {
        var buffer = buffer
        return String(buffer: try buffer.decompress(with: .gzip))
    }

    func writeFile(_ text: String, _ path: String) throws {
        try text.write(to: directory.appendingPathComponent("web").appendingPathComponent(path), atomically: true,
            encoding: .utf8)
    }

    func shutdown() async {
        try? await client.shutdown()
        await balancer.shutdown()
        await upstream.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}
