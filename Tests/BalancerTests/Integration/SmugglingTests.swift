import AsyncHTTPClient
import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Request smuggling and response splitting over real sockets: what the client sends, what an independent HTTP/1
/// parser upstream reads, and what the next client receives. One event loop, so clients share the loop's idle
/// upstream connections — exactly where a mis-framed body would become the start of another user's request.
final class SmugglingTests: XCTestCase {
    private var upstream: RecordingUpstream!
    private var balancer: BalancerHarness!
    private var client: HTTPClient!

    override func setUp() async throws {
        client = HTTPClient.makeForTests()
        upstream = try await RecordingUpstream()
        balancer = try await BalancerHarness(inFrontOf: [upstream.address], workers: 1)
    }

    override func tearDown() async throws {
        try await client?.shutdown()
        await balancer?.shutdown()
        await upstream?.shutdown()
    }

    func testConnectionListingContentLengthCannotSmuggleARequest() async throws {
        let smuggled = "GET /api/echo?HIJACKED HTTP/1.1\r\nX-Ignore: x"
        let attacker = try RawHTTP(port: balancer.port)
        attacker.send(
            "POST /api/echo HTTP/1.1\r\nHost: x\r\nConnection: Content-Length\r\n"
                + "Content-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)"
        )
        let answer = attacker.receive(until: "POST /api/echo \(smuggled.utf8.count)")
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), answer)

        let victim = try await client.fetch(
            "\(balancer.baseURL)/api/echo?victim", headers: [("Cookie", "session=victim-secret")])
        XCTAssertEqual(victim.body, "GET /api/echo?victim 0")
        let seen = upstream.requests
        XCTAssertEqual(seen.map { "\($0.method) \($0.target)" }, ["POST /api/echo", "GET /api/echo?victim"])
        XCTAssertEqual(seen.first?.body, smuggled)
        XCTAssertEqual(seen.first?.headers["content-length"], ["\(smuggled.utf8.count)"])
    }

    func testConnectionListingHostKeepsHost() async throws {
        let socket = try RawHTTP(port: balancer.port)
        socket.send("GET /h HTTP/1.1\r\nHost: shop.test\r\nConnection: Host, close\r\n\r\n")
        let answer = socket.receive()
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), answer)
        XCTAssertEqual(upstream.requests.first?.headers["host"], ["shop.test"])
        XCTAssertEqual(upstream.requests.first?.headers["x-forwarded-host"], ["shop.test"])
    }

    func testHeaderNamesWithUnderscoresAreDropped() async throws {
        let socket = try RawHTTP(port: balancer.port)
        socket.send("GET /ip HTTP/1.1\r\nHost: a\r\nX_Real_IP: 6.6.6.6\r\nX_Forwarded_For: 6.6.6.6\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(socket.receive().hasPrefix("HTTP/1.1 200"))
        let headers = try XCTUnwrap(upstream.requests.first?.headers)
        XCTAssertNil(headers["x_real_ip"], "\(headers)")
        XCTAssertNil(headers["x_forwarded_for"], "\(headers)")
        XCTAssertEqual(headers["x-real-ip"], ["127.0.0.1"])
    }

    func testRoutingAndForwardingUseTheNormalisedPath() async throws {
        for (target, expected) in [
            ("/api/../x", "/x"), ("/api/%2e%2e/x", "/x"), ("//x", "/x"), ("/a/./b/%7Euser?q=/../", "/a/b/~user?q=/../"),
            ("http://shop.test/abs?1", "/abs?1"),
        ] {
            let socket = try RawHTTP(port: balancer.port)
            socket.send("GET \(target) HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n")
            let answer = socket.receive()
            XCTAssertTrue(answer.hasSuffix("GET \(expected) 0"), "\(target): \(answer)")
        }
    }

    func testHostileRequestHeadsAreRefusedBeforeAnyByteGoesUpstream() async throws {
        let cases: [(String, String)] = [
            ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400"),
            ("GET / HTTP/1.1\r\nHost:\r\n\r\n", "400"),
            ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", "400"),
            ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "400"),
            ("GET http://other.test/ HTTP/1.1\r\nHost: shop.test\r\n\r\n", "400"),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", "400"),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", "400"),
            ("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", "400"),
            ("GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", "400"),
            ("GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n", "400"),
            ("GET * HTTP/1.1\r\nHost: a\r\n\r\n", "400"),
            ("GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", "400"),
            ("GET /api/%2e%2e/%2e%2e/x HTTP/1.1\r\nHost: a\r\n\r\n", "400"),
            ("get / HTTP/1.1\r\nHost: a\r\n\r\n", "400"),
            ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "501"),
        ]
        for (request, status) in cases {
            let socket = try RawHTTP(port: balancer.port)
            socket.send(request)
            let answer = socket.receive()
            XCTAssertTrue(answer.dropFirst(8).hasPrefix(" \(status) "), "\(request.debugDescription) → \(answer)")
        }
        XCTAssertEqual(upstream.requests.count, 0, "\(upstream.requests)")
    }

    func testUpstreamThatFramesAmbiguouslyGets502AndNothingReachesTheNextResponse() async throws {
        let hostile = [
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2d\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\npoisoned\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ]
        for bytes in hostile {
            let (fake, proxy) = try await proxyInFront(of: bytes)
            let socket = try RawHTTP(port: proxy.port)
            socket.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            let answer = socket.receive()
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 502 Bad Gateway"), "\(bytes.debugDescription) → \(answer)")
            XCTAssertFalse(answer.contains("poisoned"), answer)
            XCTAssertFalse(answer.contains("HTTP/1.1 200"), answer)
            await proxy.shutdown()
            await fake.shutdown()
        }
    }

    func testConnectionListingContentLengthInAResponseKeepsTheLength() async throws {
        let (fake, proxy) = try await proxyInFront(
            of: "HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 2\r\n\r\nok")
        let socket = try RawHTTP(port: proxy.port)
        socket.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let answer = socket.receive()
        XCTAssertEqual(answer.components(separatedBy: "HTTP/1.1 200 OK").count - 1, 2, answer)
        XCTAssertEqual(answer.components(separatedBy: "Content-Length: 2\r\n").count - 1, 2, answer)
        await proxy.shutdown()
        await fake.shutdown()
    }

    /// A balancer of its own in front of an upstream that answers every request with `bytes`.
    private func proxyInFront(of bytes: String) async throws -> (FakeUpstream, BalancerHarness) {
        let fake = try await FakeUpstream(.raw(bytes))
        let proxy = try await BalancerHarness(inFrontOf: [fake.address], workers: 1)
        return (fake, proxy)
    }
}
