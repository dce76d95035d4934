import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Shared
import XCTest

@testable import HealthService

/// Every HTTP endpoint, over a real socket, against a replica running in-process.
final class EndpointTests: XCTestCase {
    private var service: RunningService!

    override func setUp() async throws {
        service = try await RunningService.start(
            config: try .forTests(instanceID: "backend-t"), readiness: .scripted())
    }

    override func tearDown() async throws {
        await service?.stop()
    }

    func testHealthAnswersFromMemory() async throws {
        let response = try await HTTPTestClient.send("GET", service.baseURL + "/health")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("X-Instance-Id"), "backend-t")
        XCTAssertEqual(response.header("Content-Type"), "application/json; charset=utf-8")
        let payload = try JSONDecoder().decode(HealthPayload.self, from: Data(buffer: response.body))
        XCTAssertEqual(payload.status, "ok")
        XCTAssertEqual(payload.service, "FruitPAK")
        XCTAssertEqual(payload.environment, "test")
        XCTAssertEqual(payload.instanceID, "backend-t")
        XCTAssertEqual(payload.timestamp.count, 24)
        XCTAssertTrue(response.text.contains("\"instance_id\":\"backend-t\""), response.text)
    }

    func testReadyWithScriptedDependencies() async throws {
        let response = try await HTTPTestClient.send("GET", service.baseURL + "/health/ready")
        XCTAssertEqual(response.status, 200)
        let payload = try JSONDecoder().decode(ReadinessPayload.self, from: Data(buffer: response.body))
        XCTAssertEqual(payload.status, "healthy")
        XCTAssertEqual(payload.checks, ["service": "ok", "database": "ok", "redis": "ok"])
    }

    func testInstance() async throws {
        let response = try await HTTPTestClient.send("GET", service.baseURL + "/api/instance")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try response.json["instance_id"] as? String, "backend-t")
    }

    func testEchoReportsMethodPathQueryAndHeaders() async throws {
        let response = try await HTTPTestClient.send(
            "PUT", service.baseURL + "/api/echo/deeper/path?a=1&b=two",
            headers: [("X-Forwarded-For", "10.0.0.1"), ("X-Multi", "one"), ("X-Multi", "two")],
            body: .bytes(ByteBuffer(string: "hello")))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("X-Instance-Id"), "backend-t")
        let json = try response.json
        XCTAssertEqual(json["method"] as? String, "PUT")
        XCTAssertEqual(json["path"] as? String, "/api/echo/deeper/path")
        XCTAssertEqual(json["query"] as? String, "a=1&b=two")
        XCTAssertEqual(json["body_bytes"] as? Int, 5)
        XCTAssertEqual(json["instance_id"] as? String, "backend-t")
        let headers = try XCTUnwrap(json["headers"] as? [String: Any])
        XCTAssertEqual(headers["x-forwarded-for"] as? String, "10.0.0.1")
        XCTAssertEqual(headers["x-multi"] as? [String], ["one", "two"])
        XCTAssertEqual(headers["host"] as? String, "127.0.0.1:\(service.port)")
    }

    func testEchoAnswersAnyMethod() async throws {
        for method in ["GET", "POST", "DELETE", "PATCH", "OPTIONS", "PROPFIND"] {
            let response = try await HTTPTestClient.send(method, service.baseURL + "/api/echo")
            XCTAssertEqual(response.status, 200, "\(method)")
            XCTAssertEqual(try response.json["method"] as? String, method)
        }
    }

    func testSlowWaitsAndValidates() async throws {
        let start = ContinuousClock.now
        let response = try await HTTPTestClient.send("GET", service.baseURL + "/api/slow?ms=300")
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(300))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(try response.json["slept_ms"] as? Int, 300)
        XCTAssertEqual(try response.json["instance_id"] as? String, "backend-t")

        for bad in ["abc", "-1", "120001", "1.5", ""] {
            let refused = try await HTTPTestClient.send("GET", service.baseURL + "/api/slow?ms=\(bad)")
            XCTAssertEqual(refused.status, 400, bad)
            XCTAssertTrue(try (refused.json["error"] as? String ?? "").contains("0 to 120000"), refused.text)
        }
        let missing = try await HTTPTestClient.send("GET", service.baseURL + "/api/slow")
        XCTAssertEqual(missing.status, 400)
    }

    func testUploadStreamsAndHashes() async throws {
        let size = 8 << 20
        let chunk = ByteBuffer(bytes: (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        var expected = SHA256()
        for _ in 0..<(size / chunk.readableBytes) {
            chunk.withUnsafeReadableBytes { expected.update(bufferPointer: $0) }
        }
        let hex = expected.finalize().map { String(format: "%02x", $0) }.joined()

        let chunks = AsyncStream<ByteBuffer> { continuation in
            for _ in 0..<(size / chunk.readableBytes) { continuation.yield(chunk) }
            continuation.finish()
        }
        let response = try await HTTPTestClient.send(
            "POST", service.baseURL + "/api/upload", body: .stream(chunks, length: .known(Int64(size))))
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(try response.json["bytes"] as? Int, size)
        XCTAssertEqual(try response.json["sha256"] as? String, hex)
        XCTAssertEqual(try response.json["instance_id"] as? String, "backend-t")
    }

    func testEmptyUploadHasTheEmptyDigest() async throws {
        let response = try await HTTPTestClient.send(
            "POST", service.baseURL + "/api/upload", body: .bytes(ByteBuffer()))
        XCTAssertEqual(try response.json["bytes"] as? Int, 0)
        XCTAssertEqual(
            try response.json["sha256"] as? String, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testHTTP10ClientsGetTheirConnectionClosed() async throws {
        let port = service.port
        let answer = try await Task.detached {
            try RawHTTPClient.exchange(port: port, request: "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        }.value
        let text = try XCTUnwrap(answer, "the replica must close an HTTP/1.0 connection after the response")
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 200 OK\r\n"), text)
        XCTAssertTrue(text.lowercased().contains("\r\nconnection: close\r\n"), text)
        XCTAssertTrue(text.contains("\"instance_id\":\"backend-t\""), text)
    }

    func testHTTP10ConnectionDecisions() throws {
        func head(_ minor: Int, _ connection: String?) -> HTTPRequestHead {
            var head = HTTPRequestHead(version: .init(major: 1, minor: minor), method: .GET, uri: "/health")
            if let connection { head.headers.add(name: "Connection", value: connection) }
            return head
        }
        XCTAssertEqual(HTTP10ConnectionHandler.answer(for: head(0, nil)), .close)
        XCTAssertEqual(HTTP10ConnectionHandler.answer(for: head(0, "keep-alive")), .keepAlive)
        XCTAssertEqual(HTTP10ConnectionHandler.answer(for: head(1, nil)), .unchanged)
        XCTAssertEqual(HTTP10ConnectionHandler.answer(for: head(1, "close")), .unchanged)
    }

    func testUnknownPathIsAJSON404WithTheInstanceHeader() async throws {
        for (method, path) in [("GET", "/nope"), ("POST", "/health"), ("GET", "/api/echoes")] {
            let response = try await HTTPTestClient.send(method, service.baseURL + path)
            XCTAssertEqual(response.status, 404, path)
            XCTAssertEqual(response.header("X-Instance-Id"), "backend-t")
            XCTAssertEqual(try response.json["error"] as? String, "not found")
            XCTAssertEqual(try response.json["path"] as? String, path)
        }
    }
}

/// The access log: one line per request with method, path, status, duration and instance.
final class AccessLogTests: XCTestCase {
    func testOneLinePerRequest() async throws {
        let log = try AccessLogFile()
        let service = try await RunningService.start(
            config: try .forTests(instanceID: "backend-log"), readiness: .scripted(), accessLog: log)
        _ = try await HTTPTestClient.send("GET", service.baseURL + "/api/instance")
        _ = try await HTTPTestClient.send("GET", service.baseURL + "/missing")
        await service.stop()
        // Each event loop writes its own batches: lines of different connections need not be in request order.
        let logged = try log.lines()
        XCTAssertEqual(logged.count, 2, "\(logged)")
        let instance = try XCTUnwrap(logged.first { $0.contains("/api/instance") }, "\(logged)")
        XCTAssertTrue(instance.hasPrefix("t info access: GET /api/instance 200 "), instance)
        XCTAssertTrue(instance.hasSuffix("ms instance=backend-log"), instance)
        XCTAssertTrue(logged.contains { $0.contains("GET /missing 404 ") }, "\(logged)")
    }

    func testLineFormat() {
        XCTAssertEqual(
            AccessLogMiddleware<BasicRequestContext>.line(
                method: "GET", path: "/health", status: 200, elapsed: .microseconds(1234)),
            "GET /health 200 1.23ms")
        XCTAssertEqual(
            AccessLogMiddleware<BasicRequestContext>.line(
                method: "POST", path: "/api/upload", status: 413, elapsed: .milliseconds(2005)),
            "POST /api/upload 413 2005.00ms")
    }

    func testUploadLimit() throws {
        var digest = UploadDigest(limit: 10)
        XCTAssertNoThrow(try digest.add(ByteBuffer(string: "0123456789")))
        XCTAssertThrowsError(try digest.add(ByteBuffer(string: "!")))
    }
}
