import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The balancer over loopback in front of three real `health-service` replicas and a real HTTP client:
/// spread, routing, forwarded headers, uploads, keep-alive reuse.
final class ProxyIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var replicas: [ReplicaProcess] = []
    nonisolated(unsafe) static var web: ReplicaProcess?
    private var balancer: BalancerHarness!
    private var client: HTTPClient!

    override func setUp() async throws {
        if Self.replicas.isEmpty {
            for n in 1...3 { Self.replicas.append(try await ReplicaProcess(instanceID: "backend-\(n)")) }
            Self.web = try await ReplicaProcess(instanceID: "web-1")
        }
        let servers = Self.replicas.map(\.address).joined(separator: ", ")
        balancer = try await BalancerHarness(
            yaml: """
                response_headers:
                  X-Frame-Options: SAMEORIGIN
                  X-Content-Type-Options: nosniff
                upstreams:
                  backend:
                    balance: least_conn
                    keepalive: 16
                    servers: [\(servers)]
                  web:
                    servers: [\(Self.web!.address)]
                routes:
                  - prefix: /api/
                    upstream: backend
                  - exact: [/docs, /redoc, /openapi.json, /health, /health/ready]
                    upstream: backend
                  - prefix: /
                    upstream: web
                """
        )
        client = HTTPClient.makeForTests()
    }

    override func tearDown() async throws {
        try await client?.shutdown()
        await balancer?.shutdown()
    }

    override class func tearDown() {
        for replica in replicas { replica.stop() }
        web?.stop()
        replicas = []
        web = nil
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testThirtySequentialRequestsHitEachReplicaTenTimes() async throws {
        var counts: [String: Int] = [:]
        for _ in 0..<30 {
            let response = try await client.fetch(balancer.baseURL + "/health")
            XCTAssertEqual(response.status, 200)
            let id = try XCTUnwrap(try json(response.body)["instance_id"] as? String)
            counts[id, default: 0] += 1
        }
        XCTAssertEqual(counts, ["backend-1": 10, "backend-2": 10, "backend-3": 10])
    }

    func testRoutesSendPathsToTheirUpstreams() async throws {
        let api = try await client.fetch(balancer.baseURL + "/api/instance")
        XCTAssertTrue(try XCTUnwrap(try json(api.body)["instance_id"] as? String).hasPrefix("backend-"))
        let docs = try await client.fetch(balancer.baseURL + "/docs")
        XCTAssertTrue(docs.headers.first(name: "x-instance-id")?.hasPrefix("backend-") ?? false, "\(docs.headers)")
        let page = try await client.fetch(balancer.baseURL + "/index.html")
        XCTAssertEqual(page.headers.first(name: "x-instance-id"), "web-1")
        let docsSub = try await client.fetch(balancer.baseURL + "/docs/more")
        XCTAssertEqual(docsSub.headers.first(name: "x-instance-id"), "web-1", "exact match only")
    }

    func testForwardingAndHopByHopHeaders() async throws {
        let response = try await client.fetch(
            balancer.baseURL + "/api/echo?x=1",
            headers: [
                ("X-Forwarded-For", "203.0.113.7"),
                ("Connection", "keep-alive, X-Hop-Secret"),
                ("X-Hop-Secret", "must not pass"),
                ("Keep-Alive", "timeout=5"),
                ("TE", "trailers"),
                ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
                ("Upgrade", "h2c"),
                ("X-Request-ID", "client-id-123"),
                ("X-Custom", "kept"),
            ]
        )
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers.first(name: "x-request-id"), "client-id-123")
        XCTAssertEqual(response.headers.first(name: "x-frame-options"), "SAMEORIGIN")
        let echo = try json(response.body)
        let raw = try XCTUnwrap(echo["headers"] as? [String: Any])
        var headers: [String: String] = [:]
        for (key, value) in raw {
            headers[key.lowercased()] = (value as? String) ?? (value as? [String])?.joined(separator: ", ")
        }
        XCTAssertEqual(headers["x-forwarded-for"], "203.0.113.7, 127.0.0.1")
        XCTAssertEqual(headers["x-real-ip"], "127.0.0.1")
        XCTAssertEqual(headers["x-forwarded-proto"], "http")
        XCTAssertEqual(headers["x-forwarded-host"], "127.0.0.1:\(balancer.port)")
        XCTAssertEqual(headers["host"], "127.0.0.1:\(balancer.port)", "Host passed as the client sent it")
        XCTAssertEqual(headers["x-request-id"], "client-id-123")
        XCTAssertEqual(headers["x-custom"], "kept")
        for hop in ["x-hop-secret", "keep-alive", "te", "proxy-authorization", "upgrade"] {
            XCTAssertNil(headers[hop], "\(hop) must not be forwarded")
        }
        if let connection = headers["connection"] {
            XCTAssertFalse(connection.lowercased().contains("x-hop-secret"))
        }
    }

    func testRequestIDIsGeneratedWhenMissingOrInsane() async throws {
        let generated = try await client.fetch(balancer.baseURL + "/api/instance")
        let id = try XCTUnwrap(generated.headers.first(name: "x-request-id"))
        XCTAssertEqual(id.count, 32)
        let insane = try await client.fetch(
            balancer.baseURL + "/api/instance",
            headers: [("X-Request-ID", "bad id with spaces")]
        )
        XCTAssertEqual(insane.headers.first(name: "x-request-id")?.count, 32, "replaced by a generated id")
    }

    func testTenMegabyteUploadArrivesIntact() async throws {
        var bytes = [UInt8](repeating: 0, count: 10 << 20)
        var generator = SystemRandomNumberGenerator()
        for i in stride(from: 0, to: bytes.count, by: 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { word in
                for j in 0..<8 where i + j < bytes.count { bytes[i + j] = word[j] }
            }
        }
        let expected = try sha256Hex(bytes)
        let response = try await client.fetch(
            balancer.baseURL + "/api/upload",
            method: .POST,
            headers: [("Content-Type", "application/octet-stream")],
            body: ByteBuffer(bytes: bytes)
        )
        XCTAssertEqual(response.status, 200, response.body)
        let result = try json(response.body)
        XCTAssertEqual(result["bytes"] as? Int, bytes.count)
        XCTAssertEqual(result["sha256"] as? String, expected)
    }

    func testKeepAliveReusesUpstreamConnections() async throws {
        let before = balancer.server.upstreamConnectionsOpened
        for _ in 0..<60 {
            let response = try await client.fetch(balancer.baseURL + "/api/instance")
            XCTAssertEqual(response.status, 200)
        }
        let opened = balancer.server.upstreamConnectionsOpened - before
        // At most one per server per event loop (2 loops × 3 servers) for sequential requests.
        XCTAssertLessThanOrEqual(opened, 6, "60 requests opened \(opened) upstream connections")
        XCTAssertGreaterThan(opened, 0)
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let socket = try RawHTTP(port: balancer.port)
        socket.send(
            "GET /api/slow?ms=300 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /api/instance HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /api/slow?ms=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        )
        let all = socket.receive()
        let statuses = all.components(separatedBy: "HTTP/1.1 200").count - 1
        XCTAssertEqual(statuses, 3, all)
        let responses = all.components(separatedBy: "HTTP/1.1 200").dropFirst().map { String($0) }
        XCTAssertEqual(responses.count, 3)
        guard responses.count == 3 else { return }
        XCTAssertTrue(responses[0].contains("\"slept_ms\":300}"), "the slow first request is answered first")
        XCTAssertFalse(responses[1].contains("slept_ms"), "then the instance request")
        XCTAssertTrue(responses[2].contains("\"slept_ms\":1}"), all)
    }

    func testHTTP10ClientGetsHTTP10AndClose() throws {
        let socket = try RawHTTP(port: balancer.port)
        socket.send("GET /api/instance HTTP/1.0\r\n\r\n")
        let response = socket.receive()
        XCTAssertTrue(response.hasPrefix("HTTP/1.0 200"), response)
        XCTAssertTrue(response.contains("instance_id"), response)
    }

    func testHTTP10KeepAliveIsHonoured() throws {
        let socket = try RawHTTP(port: balancer.port)
        socket.send("GET /api/instance HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = socket.receive(until: "}")
        XCTAssertTrue(first.lowercased().contains("connection: keep-alive"), first)
        socket.send("GET /api/instance HTTP/1.0\r\n\r\n")
        XCTAssertTrue(socket.receive().hasPrefix("HTTP/1.0 200"))
    }

    private func sha256Hex(_ bytes: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try ExternalProcess.run(["/usr/bin/sha256sum", file.path], timeout: 30)
        return output.split(separator: " ").first.map(String.init) ?? ""
    }
}
