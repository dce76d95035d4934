import XCTest

@testable import HealthService

/// The replica's own server over real sockets: connections handed to Hummingbird are run to completion during a
/// graceful shutdown, idle ones are closed, and the port stops accepting as soon as the shutdown begins.
final class ReplicaServerTests: XCTestCase {
    func testGracefulShutdownFinishesTheRequestInFlightAndStopsAccepting() async throws {
        let service = try await RunningService.start(
            config: try .forTests(instanceID: "backend-g"),
            readiness: .scripted()
        )
        let port = service.port
        let connection = try await Task.detached { try RawConnection(port: port, timeoutSeconds: 10) }.value
        // Pipelined: once the echo is answered, Hummingbird has already read the slow request behind it.
        let echoed = try await Task.detached {
            try connection.send(
                "GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\nGET /api/slow?ms=800 HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            return connection.receive(until: #""method":"GET""#)
        }.value
        XCTAssertNotNil(echoed, "the echo is answered first")

        let start = ContinuousClock.now
        let stopping = Task { await service.stop() }
        let refused = await Task.detached { () -> Bool in
            for _ in 0..<250 {
                guard (try? RawConnection(port: port, timeoutSeconds: 1)) != nil else { return true }
                usleep(20_000)
            }
            return false
        }.value
        XCTAssertTrue(refused, "new connections are refused once the shutdown has begun")

        let slow = await Task.detached { connection.receive(until: "backend-g") }.value
        XCTAssertTrue(slow?.hasPrefix("HTTP/1.1 200 OK") ?? false, slow ?? "no answer to the request in flight")
        let closed = await Task.detached { connection.isClosedByServer() }.value
        XCTAssertTrue(closed, "the connection closes after its last answer")
        await stopping.value
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(500), "the shutdown waited for it")
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(10))
    }

    func testGracefulShutdownClosesAnIdleConnectionHummingbirdServed() async throws {
        let service = try await RunningService.start(
            config: try .forTests(instanceID: "backend-i"),
            readiness: .scripted()
        )
        let port = service.port
        let connection = try await Task.detached { try RawConnection(port: port) }.value
        let echoed = try await Task.detached {
            try connection.send("GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n")
            return connection.receive(until: #""method":"GET""#)
        }.value
        XCTAssertNotNil(echoed)
        let (took, closed) = await service.stop(withIdle: connection)
        XCTAssertLessThan(took, .seconds(5), "an idle connection must not hold up shutdown")
        XCTAssertTrue(closed, "graceful shutdown closes idle keep-alive connections")
    }
}
