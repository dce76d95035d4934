import AsyncHTTPClient
import Foundation
import Shared
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The status page's figures agree with what was served: percentiles never beyond the longest request, a server
/// whose attempts fail is not shown as plainly "up", and the chart ends on the req/s column's figures.
final class StatusFiguresTests: XCTestCase {
    private func counts(_ milliseconds: [Double]) -> ServerCounts {
        var counts = ServerCounts()
        for value in milliseconds { counts.record(nanoseconds: Int64(value * 1_000_000), codeClass: 2) }
        return counts
    }

    private func quantile(_ q: Double, _ counts: ServerCounts) -> Double? {
        LatencyBuckets.quantileMilliseconds(q, counts: counts.buckets, observed: counts.observed)
    }

    func testOneRequestOfTwoSecondsIsAP99OfTwoSeconds() throws {
        let one = counts([2000])
        XCTAssertEqual(try XCTUnwrap(quantile(0.99, one)), 2000, accuracy: 0.001)
        XCTAssertEqual(try XCTUnwrap(quantile(0.5, one)), 2000, accuracy: 0.001)
        // Bucket bounds alone put it three quarters into (1 s, 2.5 s]: the figure the report quoted.
        let unclamped = try XCTUnwrap(LatencyBuckets.quantileMilliseconds(0.99, counts: one.buckets))
        XCTAssertGreaterThan(unclamped, 2000)
    }

    func testQuantilesStayBetweenTheValuesServedAndInOrder() throws {
        let fast = (1...99).map { 5 + Double($0) * 0.03 }  // 5.03 … 7.97 ms, all in (5 ms, 10 ms]
        let mixed = counts(fast + [2000])
        let p50 = try XCTUnwrap(quantile(0.5, mixed))
        let p99 = try XCTUnwrap(quantile(0.99, mixed))
        XCTAssertGreaterThanOrEqual(p50, 5.03)
        XCTAssertLessThanOrEqual(p50, 7.97, "inside the values seen, not up to the bucket's 10 ms")
        XCTAssertLessThanOrEqual(p99, 2000)
        XCTAssertLessThanOrEqual(p50, p99)
        for q in stride(from: 0.0, through: 1.0, by: 0.05) {
            XCTAssertLessThanOrEqual(try XCTUnwrap(quantile(q, mixed)), 2000, "q \(q)")
        }
    }

    func testBeyondTheLastBoundTheLongestRequestIsTheCeiling() throws {
        let p99 = try XCTUnwrap(quantile(0.99, counts([12_000, 14_000])))
        XCTAssertLessThanOrEqual(p99, 14_000)
        XCTAssertGreaterThan(p99, 13_900, "between the two values seen, not the last bound (10 s)")
        XCTAssertEqual(try XCTUnwrap(quantile(0.5, counts([12_000, 14_000]))), 13_000, accuracy: 1)
    }

    func testLoopsAddUpTheirRangesAndLastAnswers() {
        var a = counts([3, 4])
        var b = counts([2.6, 9])
        a.lastAnsweredAt = 50
        b.lastAnsweredAt = 70
        let sum = a + b
        XCTAssertEqual(sum.total, 4)
        XCTAssertEqual(sum.observed[LatencyBuckets.index(nanoseconds: 3_000_000)], 2_600_000...4_000_000)
        XCTAssertEqual(sum.observed[LatencyBuckets.index(nanoseconds: 9_000_000)], 9_000_000...9_000_000)
        XCTAssertNil(sum.observed[0])
        XCTAssertEqual(sum.lastAnsweredAt, 70)
    }

    func testLastAttemptComparesTheFailureWithTheLastAnswer() {
        let nowWall = WallClockInstant(seconds: 1_000, nanoseconds: 0)
        let nowMono: Int64 = 500_000_000_000
        let secondsAgo = { (s: Int64) in WallClockInstant(seconds: 1_000 - s, nanoseconds: 0) }
        let monoAgo = { (s: Int64) in nowMono - s * 1_000_000_000 }
        XCTAssertNil(LastAttempt.of(lastFailure: nil, lastAnsweredAt: 0, nowMono: nowMono, nowWall: nowWall))
        XCTAssertEqual(
            LastAttempt.of(lastFailure: secondsAgo(3), lastAnsweredAt: 0, nowMono: nowMono, nowWall: nowWall), .failed)
        XCTAssertEqual(
            LastAttempt.of(lastFailure: secondsAgo(3), lastAnsweredAt: monoAgo(9), nowMono: nowMono, nowWall: nowWall),
            .failed)
        XCTAssertEqual(
            LastAttempt.of(lastFailure: secondsAgo(9), lastAnsweredAt: monoAgo(3), nowMono: nowMono, nowWall: nowWall),
            .answered)
        XCTAssertEqual(
            LastAttempt.of(lastFailure: nil, lastAnsweredAt: monoAgo(3), nowMono: nowMono, nowWall: nowWall), .answered)
        XCTAssertEqual(
            LastAttempt.wallTime(ofMono: monoAgo(3), nowMono: nowMono, nowWall: nowWall), secondsAgo(3))
        XCTAssertNil(LastAttempt.wallTime(ofMono: 0, nowMono: nowMono, nowWall: nowWall))
    }

    /// The report's setup: `web`'s only server has nothing listening (never ejected, no checks), `backend` has a
    /// replica that answers one request in 2 s. Status JSON and the page rendered by Chromium agree with that.
    func testLiveFiguresMatchWhatWasServed() async throws {
        let replica = try await ReplicaProcess(instanceID: "figures-1")
        defer { replica.stop() }
        let closedPort = try FreePort.allocate()  // nothing listens there
        let harness = try await BalancerHarness(
            yaml: """
                upstreams:
                  backend:
                    servers: [\(replica.address)]
                  web:
                    servers: [127.0.0.1:\(closedPort)]
                routes:
                  - {prefix: /api/, upstream: backend}
                  - {prefix: /, upstream: web}
                """
        )
        let client = HTTPClient.makeForTests()
        do {
            let slow = try await client.fetch(harness.baseURL + "/api/slow?ms=2000")
            XCTAssertEqual(slow.status, 200)
            for _ in 0..<5 { _ = try await client.fetch(harness.baseURL + "/api/instance") }
            for _ in 0..<3 {
                let refused = try await client.fetch(harness.baseURL + "/")
                XCTAssertEqual(refused.status, 502)
            }

            let body = try await client.fetch(harness.adminURL + "/status.json").body
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let upstreams = try XCTUnwrap(json["upstreams"] as? [String: Any])
            func server(_ group: String) throws -> [String: Any] {
                let servers = (upstreams[group] as? [String: Any])?["servers"] as? [[String: Any]]
                return try XCTUnwrap(servers?.first, "no server in \(group): \(body)")
            }
            let web = try server("web")
            XCTAssertEqual(web["state"] as? String, "up", "the only server is never ejected")
            XCTAssertEqual(web["last_attempt"] as? String, "failed", body)
            XCTAssertTrue(web["last_answer_at"] is NSNull, body)
            let backend = try server("backend")
            XCTAssertEqual(backend["last_attempt"] as? String, "answered", body)
            XCTAssertNotNil(backend["last_answer_at"] as? String, body)
            let p99 = try XCTUnwrap(backend["p99_ms"] as? Double, body)
            XCTAssertGreaterThanOrEqual(p99, 2000)
            XCTAssertLessThan(p99, 2100, "p99 is the 2 s request as served, not a point inside its bucket")

            let dom = try await Chromium.dumpDOM(harness.adminURL + "/status", screenshot: "status-figures.png")
            let webRow = try XCTUnwrap(
                dom.range(of: "data-server=\"web/127.0.0.1:\(closedPort)\"").map { String(dom[$0.lowerBound...]) })
            XCTAssertTrue(webRow.hasPrefix("data-server=\"web/127.0.0.1:\(closedPort)\" data-state=\"up\" "
                + "data-last-attempt=\"failed\""), String(webRow.prefix(300)))
            XCTAssertTrue(webRow.prefix(600).contains("s-failing"), String(webRow.prefix(600)))
            XCTAssertTrue(webRow.prefix(600).contains("up · failing"), String(webRow.prefix(600)))
        } catch {
            try? await client.shutdown()
            await harness.shutdown()
            throw error
        }
        try await client.shutdown()
        await harness.shutdown()
    }
}
