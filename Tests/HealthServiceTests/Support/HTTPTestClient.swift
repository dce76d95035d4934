import AsyncHTTPClient
import Foundation
import NIOCore

/// A response read whole, with its body parsed as a JSON object when it is one.
struct TestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: ByteBuffer

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var json: [String: Any] {
        get throws {
            let object = try JSONSerialization.jsonObject(with: Data(buffer: body))
            guard let dictionary = object as? [String: Any] else { throw TestFailure("body is not a JSON object") }
            return dictionary
        }
    }

    var text: String { String(buffer: body) }
}

/// Sends requests with AsyncHTTPClient over a real socket; every call has a deadline.
enum HTTPTestClient {
    static func send(
        _ method: String = "GET", _ url: String, headers: [(String, String)] = [], body: HTTPClientRequest.Body? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = body }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return TestResponse(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: bytes)
    }

    /// Polls `url` until `accept` holds or `limit` passes; returns the last response.
    static func poll(
        _ url: String, within limit: Duration, every interval: Duration = .milliseconds(100),
        until accept: (TestResponse) -> Bool
    ) async throws -> TestResponse {
        let deadline = ContinuousClock.now + limit
        var last = try await send("GET", url)
        for _ in 0..<10_000 where !accept(last) && ContinuousClock.now < deadline {
            try await Task.sleep(for: interval)
            last = try await send("GET", url)
        }
        return last
    }
}
