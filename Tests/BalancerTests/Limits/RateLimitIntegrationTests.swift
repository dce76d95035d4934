import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Request rate limits over real sockets: the admitted share of a client at three times its rate, `burst`,
/// `delay` and `nodelay` as nginx's documentation describes them, the 429 itself, and the figures in `/metrics`
/// and `/status.json`.
final class RateLimitIntegrationTests: XCTestCase {
    private var upstream: RecordingUpstream!
    private var balancer: BalancerHarness!

    override func tearDown() async throws {
        await balancer?.shutdown()
        await upstream?.shutdown()
    }

    private func start(_ settings: String, routes: String) async throws {
        upstream = try await RecordingUpstream()
        balancer = try await BalancerHarness(yaml: """
            \(settings)
            response_headers:
              X-Frame-Options: SAMEORIGIN
            upstreams:
              backend:
                servers: [\(upstream.address)]
            routes:
            \(routes)
            """)
    }

    /// How long the share is measured: 10 s as the issue asks; `LIMIT_SHARE_SECONDS` shortens it (3 s keeps the
    /// error from the initial burst under 2 %, see the bound below).
    private var shareSeconds: Double {
        ProcessInfo.processInfo.environment["LIMIT_SHARE_SECONDS"].flatMap(Double.init) ?? 10
    }

    /// A client sending 60 requests a second against `rate: 20r/s` gets the rate's share: 20 a second (plus the
    /// burst it starts with), within 5 %; every other request is a 429 with `Retry-After`.
    func testAClientAtThreeTimesTheRateGetsTheAdmittedShare() async throws {
        try await start(
            "rate_limits:\n  per_ip: {key: client_address, rate: 20r/s, size: 1m}",
            routes: "  - {prefix: /, upstream: backend, rate_limit: {zone: per_ip, burst: 5, nodelay: true}}")
        let client = try KeepAliveClient(port: balancer.port)
        let seconds = shareSeconds
        let interval = 1.0 / 60
        let count = Int(seconds * 60)
        var admitted = 0
        var refusedWithRetryAfter = 0
        let start = Date()
        for index in 0..<count {
            let wait = start.addingTimeInterval(Double(index) * interval).timeIntervalSinceNow
            if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
            let response = try client.get("/share")
            switch response.status {
            case 200: admitted += 1
            case 429 where response.headers["retry-after"] == "1": refusedWithRetryAfter += 1
            default: XCTFail("unexpected answer \(response.status) \(response.headers)")
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        // The bucket admits 20 a second over the time the requests took, plus the 1 + burst it starts empty with.
        let expected = 20 * elapsed + 6
        XCTAssertEqual(Double(admitted), expected, accuracy: 0.05 * 20 * elapsed,
            "\(admitted) admitted of \(count) in \(elapsed) s; expected \(expected)")
        XCTAssertEqual(admitted + refusedWithRetryAfter, count)
        print("rate share: \(admitted) of \(count) admitted in \(String(format: "%.2f", elapsed)) s "
            + "(expected \(String(format: "%.1f", expected)), \(refusedWithRetryAfter) refused with Retry-After)")
    }

    /// Eight requests at once against `rate: 5r/s burst: 5` (one request per 200 ms): as nginx documents
    /// `limit_req`, the first passes at once and five wait their turn (200 ms apart), or pass at once with
    /// `nodelay`, or with `delay: 2` the first three pass at once and three wait; the last two are refused.
    func testBurstAndDelayBehaveAsNginxDocumentsThem() async throws {
        try await start(
            """
            rate_limits:
              queued: {key: client_address, rate: 5r/s, size: 32k}
              at_once: {key: client_address, rate: 5r/s, size: 32k}
              two_stage: {key: client_address, rate: 5r/s, size: 32k}
            """,
            routes: """
                  - {prefix: /queued/, upstream: backend, rate_limit: {zone: queued, burst: 5}}
                  - {prefix: /at-once/, upstream: backend, rate_limit: {zone: at_once, burst: 5, nodelay: true}}
                  - {prefix: /two-stage/, upstream: backend, rate_limit: {zone: two_stage, burst: 5, delay: 2}}
                """)
        let step = 0.2
        for (path, expected) in [
            ("/queued/", [0, 1, 2, 3, 4, 5].map { Double($0) * step }),
            ("/at-once/", [Double](repeating: 0, count: 6)),
            ("/two-stage/", [0, 0, 0, 1, 2, 3].map { Double($0) * step }),
        ] {
            let outcomes = try await burst(of: 8, to: path)
            let passed = outcomes.filter { $0.status == 200 }.map(\.seconds).sorted()
            let refused = outcomes.filter { $0.status == 429 }
            XCTAssertEqual(passed.count, 6, "\(path): \(outcomes)")
            XCTAssertEqual(refused.count, 2, "\(path): \(outcomes)")
            for (took, wanted) in zip(passed, expected) {
                XCTAssertEqual(took, wanted, accuracy: 0.12, "\(path): answered after \(passed), expected \(expected)")
            }
            // Refusals are immediate, whatever waits in the queue.
            for outcome in refused { XCTAssertLessThan(outcome.seconds, 0.12, "\(path)") }
        }
        let metrics = try await fetch("\(balancer.adminURL)/metrics").body
        XCTAssertTrue(metrics.contains("balancer_limit_requests_total{zone=\"queued\",result=\"delayed\"} 5"), metrics)
        XCTAssertTrue(metrics.contains("balancer_limit_requests_total{zone=\"queued\",result=\"limited\"} 2"), metrics)
        XCTAssertTrue(metrics.contains("balancer_limit_requests_total{zone=\"at_once\",result=\"delayed\"} 0"), metrics)
        XCTAssertTrue(metrics.contains("balancer_limit_requests_total{zone=\"two_stage\",result=\"delayed\"} 3"), metrics)
    }

    /// `count` requests to `path`, each on its own connection, sent at the same moment: status and seconds taken.
    /// Each answer is awaited on a thread of its own, so a delayed answer does not hold up the reading of another.
    private func burst(of count: Int, to path: String) async throws -> [(status: Int, seconds: Double)] {
        let port = balancer.port
        let clients = try (0..<count).map { _ in try KeepAliveClient(port: port) }
        let outcomes = NIOLockedValueBox<[(status: Int, seconds: Double)]>([])
        let start = Date()
        for client in clients { client.send("GET \(path) HTTP/1.1\r\nHost: test\r\n\r\n") }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let group = DispatchGroup()
            for client in clients {
                group.enter()
                Thread.detachNewThread {
                    let status = (try? client.readResponse().status) ?? -1
                    outcomes.withLockedValue { $0.append((status, Date().timeIntervalSince(start))) }
                    group.leave()
                }
            }
            group.notify(queue: .global()) { done.resume() }
        }
        return outcomes.withLockedValue { $0 }
    }

    func testTheRefusalIsA429WithRetryAfterAndTheBalancersHeaders() async throws {
        try await start(
            "rate_limits:\n  per_ip: {key: client_address, rate: 30r/m, size: 32k}",
            routes: "  - {prefix: /, upstream: backend, rate_limit: {zone: per_ip}}")
        let client = try KeepAliveClient(port: balancer.port)
        XCTAssertEqual(try client.get("/a").status, 200)
        let refused = try client.get("/a", headers: ["X-Request-ID: limited-1"])
        XCTAssertEqual(refused.status, 429)
        // 30r/m: one request every 2 s, so the next one passes in 2 s.
        XCTAssertEqual(refused.headers["retry-after"], "2")
        XCTAssertEqual(refused.headers["x-frame-options"], "SAMEORIGIN")
        XCTAssertEqual(refused.headers["x-request-id"], "limited-1")
        XCTAssertNil(refused.headers["connection"])
        XCTAssertEqual(refused.body, "{\"error\":\"Too Many Requests\",\"status\":429,\"request_id\":\"limited-1\"}\n")
        // The connection stays open for the client's next try, which passes once the bucket has drained.
        try await Task.sleep(for: .milliseconds(2050))
        XCTAssertEqual(try client.get("/a").status, 200)
        XCTAssertEqual(upstream.requests.count, 2)
    }

    /// A static route is limited as a proxied one: a delayed request for a file is served when its wait ends, and
    /// a refused one gets the 429 instead of the file.
    func testStaticRoutesAreLimitedAndDelayedToo() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("limited-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "hello".write(to: root.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try await start(
            "rate_limits:\n  files: {key: client_address, rate: 5r/s, size: 32k}",
            routes: "  - {prefix: /, static: {root: \(root.path)}, rate_limit: {zone: files, burst: 1}}")
        let outcomes = try await burst(of: 3, to: "/a.txt").sorted { $0.seconds < $1.seconds }
        XCTAssertEqual(outcomes.map(\.status).sorted(), [200, 200, 429], "\(outcomes)")
        let served = outcomes.filter { $0.status == 200 }.map(\.seconds)
        XCTAssertLessThan(served[0], 0.12, "\(outcomes)")
        XCTAssertEqual(served[1], 0.2, accuracy: 0.12, "\(outcomes)")
        // On one keep-alive connection: the delayed request's reads go on after it, so the next one is read and
        // waits its own turn.
        try await Task.sleep(for: .milliseconds(700))
        let client = try KeepAliveClient(port: balancer.port)
        var times: [Double] = []
        let start = Date()
        for _ in 0..<3 {
            XCTAssertEqual(try client.get("/a.txt").body, "hello")
            times.append(Date().timeIntervalSince(start))
        }
        XCTAssertLessThan(times[0], 0.12, "\(times)")
        XCTAssertEqual(times[1], 0.2, accuracy: 0.12, "\(times)")
        XCTAssertEqual(times[2], 0.4, accuracy: 0.15, "\(times)")
    }

    /// A zone filled with far more distinct keys than it holds keeps its size: 5,000 API keys through a 32k zone
    /// (2,048 keys) over one connection.
    func testAZoneFilledWithManyKeysStaysWithinItsSize() async throws {
        try await start(
            "rate_limits:\n  per_key: {key: \"header:X-Api-Key\", rate: 1r/m, size: 32k}",
            routes: "  - {prefix: /, upstream: backend, rate_limit: {zone: per_key}}")
        let client = try KeepAliveClient(port: balancer.port)
        for index in 0..<5_000 {
            XCTAssertEqual(try client.get("/k", headers: ["X-Api-Key: key-\(index)"]).status, 200)
        }
        // A request without the key is not counted, as nginx does not count an empty key.
        XCTAssertEqual(try client.get("/k").status, 200)
        XCTAssertEqual(try client.get("/k").status, 200)
        XCTAssertEqual(try client.get("/k", headers: ["X-Api-Key: key-4999"]).status, 429)
        let status = try await fetch("\(balancer.adminURL)/status.json").body
        let json = try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any]
        let zone = (json?["limit_zones"] as? [String: Any])?["per_key"] as? [String: Any]
        XCTAssertEqual(zone?["capacity"] as? Int, 2048)
        XCTAssertEqual(zone?["memory_bytes"] as? Int, 32 << 10)
        XCTAssertEqual(zone?["size_bytes"] as? Int, 32 << 10)
        XCTAssertEqual(zone?["kind"] as? String, "rate")
        XCTAssertEqual(zone?["limited"] as? Int, 1)
        let keys = try XCTUnwrap(zone?["keys"] as? Int)
        XCTAssertGreaterThan(keys, 1900)
        XCTAssertLessThanOrEqual(keys, 2048)
        let metrics = try await fetch("\(balancer.adminURL)/metrics").body
        XCTAssertTrue(metrics.contains("balancer_limit_zone_memory_bytes{zone=\"per_key\"} 32768"), metrics)
        XCTAssertTrue(metrics.contains("balancer_limit_zone_keys{zone=\"per_key\"} \(keys)"), metrics)
    }

    private func fetch(_ url: String) async throws -> (status: Int, body: String) {
        let client = HTTPClient.makeForTests()
        do {
            let response = try await client.fetch(url)
            try await client.shutdown()
            return (response.status, response.body)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
