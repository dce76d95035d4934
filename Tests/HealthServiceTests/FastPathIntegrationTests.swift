import Foundation
import Shared
import XCTest

@testable import HealthService

/// The fast path over real sockets, against a replica running in-process: the same bytes Hummingbird's routes
/// answer, pipelining across both paths, keep-alive and graceful shutdown.
final class FastPathIntegrationTests: XCTestCase {
    /// Requests that end their connection (by `close`, HTTP/1.0 or the client's half-close) so a whole exchange can
    /// be read until the server closes, with the client half-closing after sending when the flag says so.
    private let exchanges: [(request: String, halfClose: Bool)] = [
        ("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", true),
        ("GET /health?probe=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
        ("GET /health HTTP/1.0\r\nHost: x\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n", false),
        ("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET /health HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: x\r\nUser-Agent: ApacheBench/2.3\r\n\r\n", true),
        ("GET /api/instance HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
        ("HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
        ("GET /health HTTP/1.1\r\nConnection: Close\r\n\r\n", true),
        (
            "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", true
        ),
        ("GET /health HTTP/1.1\r\nConnection: close\r\n\r\nGET /api/instance HTTP/1.1\r\n\r\n", false),
    ]

    /// The response with the clocks blanked: `Date` and the health timestamp differ from one request to the next.
    private func withoutClocks(_ text: String) -> String {
        text.replacingOccurrences(of: "Date: [^\r]*", with: "Date: -", options: .regularExpression)
            .replacingOccurrences(of: #""timestamp":"[^"]*""#, with: #""timestamp":"-""#, options: .regularExpression)
    }

    /// An access-log line without its duration, which differs between runs.
    private func withoutDuration(_ line: String) -> String {
        line.split(separator: " ").filter { !$0.hasSuffix("ms") }.joined(separator: " ")
    }

    private func run(_ service: RunningService, _ request: String, halfClose: Bool) async throws -> String? {
        let port = service.port
        return try await Task.detached {
            try RawHTTPClient.exchange(port: port, request: request, halfClose: halfClose)
        }.value
    }

    func testAnswersAndLogLinesAreHummingbirds() async throws {
        let fastLog = try AccessLogFile()
        let hummingbirdLog = try AccessLogFile()
        let config = try HealthServiceConfig.forTests(instanceID: "backend-f")
        let fast = try await RunningService.start(
            config: config,
            readiness: .scripted(),
            accessLog: fastLog
        )
        let hummingbird = try await RunningService.start(
            config: config,
            readiness: .scripted(),
            accessLog: hummingbirdLog,
            fastPath: false
        )
        do {
            for (request, halfClose) in exchanges {
                let fastAnswer = try await run(fast, request, halfClose: halfClose)
                let hummingbirdAnswer = try await run(hummingbird, request, halfClose: halfClose)
                let expected = try XCTUnwrap(hummingbirdAnswer, "Hummingbird left open: \(request.debugDescription)")
                let answer = try XCTUnwrap(fastAnswer, "the fast path left open: \(request.debugDescription)")
                XCTAssertEqual(withoutClocks(answer), withoutClocks(expected), request.debugDescription)
                XCTAssertTrue(answer.hasPrefix("HTTP/1.1 "), answer)
            }
        } catch {
            XCTFail("\(error)")
        }
        await fast.stop()
        await hummingbird.stop()
        // Sorted: each event loop writes its own batches, so lines of different connections need not be in order.
        let fastLogged = try fastLog.lines().map(withoutDuration).sorted()
        XCTAssertEqual(fastLogged, try hummingbirdLog.lines().map(withoutDuration).sorted())
        XCTAssertTrue(fastLogged.contains("t info access: GET /health 200 instance=backend-f"), "\(fastLogged)")
    }

    func testPipelinedRequestsAreAnsweredInOrderAcrossBothPaths() async throws {
        let service = try await RunningService.start(
            config: try .forTests(instanceID: "backend-p"),
            readiness: .scripted()
        )
        let health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        let answer = try await run(
            service,
            health + "PUT /api/echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi" + health,
            halfClose: true
        )
        await service.stop()
        let text = try XCTUnwrap(answer)
        let bodies = text.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst()
        XCTAssertEqual(bodies.count, 3, text)
        let expectations = [#""status":"ok""#, #""path":"/api/echo/x""#, #""status":"ok""#]
        for (body, expected) in zip(bodies, expectations) {
            XCTAssertTrue(body.contains(expected), "\(expected) in \(body)")
        }
    }

    func testKeepAliveConnectionServesManyRequestsAndShutdownClosesIt() async throws {
        let service = try await RunningService.start(
            config: try .forTests(instanceID: "backend-k"),
            readiness: .scripted()
        )
        let port = service.port
        let connection = try await Task.detached { try RawConnection(port: port) }.value
        let answered = try await Task.detached {
            for _ in 0..<3 { try connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n") }
            try connection.send("GET /api/instance HTTP/1.1\r\nHost: x\r\n\r\n")
            return connection.receive(until: "HTTP/1.1 200 OK", count: 4)
        }.value
        XCTAssertNotNil(answered, "four answers on one connection")
        let (took, closed) = await service.stop(withIdle: connection)
        XCTAssertLessThan(took, .seconds(5), "an idle connection must not hold up shutdown")
        XCTAssertTrue(closed, "graceful shutdown closes idle keep-alive connections")
    }

    func testWebSocketUpgradeStillWorksAfterAHealthCheckOnAnotherConnection() async throws {
        let service = try await RunningService.start(
            config: try .forTests(instanceID: "backend-w"),
            readiness: .scripted()
        )
        let port = service.port
        _ = try await run(service, "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", halfClose: false)
        let handshake =
            "GET /api/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        let answer = try await Task.detached { () -> String? in
            let connection = try RawConnection(port: port)
            try connection.send(handshake)
            return connection.receive(until: "\r\n\r\n")
        }.value
        await service.stop()
        let text = try XCTUnwrap(answer)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"), text)
        XCTAssertTrue(text.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), text)
    }
}
