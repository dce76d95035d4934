import Foundation
import NIOCore
import Shared
import XCTest

@testable import HealthService

/// The bytes the fast path writes: Hummingbird's status line and header order, the route's JSON, and the clocks.
final class FastPathResponsesTests: XCTestCase {
    private let date = "Sun, 06 Nov 1994 08:49:37 GMT"
    private let timestamp = "2025-01-31T09:05:07.042Z"

    private func render(
        _ responses: FastPathResponses,
        _ route: FastPathRequest.Route,
        minorVersion: Int = 1,
        connection: FastPathRequest.ConnectionToken? = nil
    ) -> String {
        let request = FastPathRequest(route: route, minorVersion: minorVersion, connection: connection, headLength: 0)
        var buffer = ByteBuffer()
        responses.render(request, date: date, timestamp: timestamp, into: &buffer)
        return String(buffer: buffer)
    }

    func testHealthResponseBytes() throws {
        let responses = try XCTUnwrap(
            FastPathResponses(serviceName: "FruitPAK", environment: "test", instanceID: "backend-t")
        )
        let body =
            #"{"environment":"test","instance_id":"backend-t","service":"FruitPAK","status":"ok","#
            + #""timestamp":"2025-01-31T09:05:07.042Z"}"#
        XCTAssertEqual(
            render(responses, .health),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
                + "X-Instance-Id: backend-t\r\nDate: \(date)\r\n\r\n" + body
        )
    }

    func testInstanceResponseAndConnectionHeaders() throws {
        let responses = try XCTUnwrap(
            FastPathResponses(serviceName: "FruitPAK", environment: "test", instanceID: "backend-t")
        )
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 27\r\n"
            + "X-Instance-Id: backend-t\r\nDate: \(date)\r\n"
        let body = #"{"instance_id":"backend-t"}"#
        XCTAssertEqual(render(responses, .instance), head + "\r\n" + body)
        XCTAssertEqual(render(responses, .instance, connection: .close), head + "\r\n" + body)
        XCTAssertEqual(render(responses, .instance, minorVersion: 0), head + "connection: close\r\n\r\n" + body)
        XCTAssertEqual(
            render(responses, .instance, minorVersion: 0, connection: .keepAlive),
            head + "connection: keep-alive\r\n\r\n" + body
        )
    }

    func testBodyIsWhatTheRouteEncodes() throws {
        // Quotes, slashes, control characters and non-ASCII must be escaped exactly as JSONEncoder does.
        let service = "Fruit \"PAK\" / \u{1}caf\u{e9}"
        let environment = "prod\\eu"
        let responses = try XCTUnwrap(
            FastPathResponses(serviceName: service, environment: environment, instanceID: "backend 2")
        )
        let text = render(responses, .health)
        let body = try XCTUnwrap(text.components(separatedBy: "\r\n\r\n").last)
        let expected = try JSONResponse.encode(
            HealthPayload(service: service, timestamp: timestamp, environment: environment, instanceID: "backend 2")
        )
        XCTAssertEqual(Array(body.utf8), Array(expected))
        XCTAssertTrue(text.contains("\r\nContent-Length: \(expected.count)\r\n"), text)
        XCTAssertTrue(text.contains("\r\nX-Instance-Id: backend 2\r\n"), text)
    }

    func testInstanceIDsThatAreNoPlainHeaderValueLeaveEverythingToHummingbird() {
        for instanceID in ["", " padded", "padded ", "tab\there", "line\r\nbreak", "caf\u{e9}"] {
            XCTAssertNil(
                FastPathResponses(serviceName: "FruitPAK", environment: "test", instanceID: instanceID),
                instanceID.debugDescription
            )
        }
    }
}
