import XCTest

@testable import BalancerCore

/// How a request's zones are asked together (nginx's order: ask all, then charge all), what a refusal carries, and
/// which refusals get a log line.
final class RequestLimiterTests: XCTestCase {
    private let second: Int64 = 1_000_000_000

    private func limits(_ yaml: String) throws -> RouteLimits {
        let config = try ConfigLoader.parse(yaml: """
            listen: 127.0.0.1:8080
            \(yaml)
            upstreams: {backend: {servers: [127.0.0.1:8001]}}
            routes: [{prefix: /, upstream: backend}]
            """, path: "test.yaml")
        return LimitZoneSet(config: config).limits(for: nil, in: config)
    }

    private func head(_ extra: String = "") throws -> HTTP1RequestHead {
        try RequestHeadFixture.decode("GET / HTTP/1.1\r\nHost: a\r\n\(extra)\r\n")
    }

    private let client = IPAddress(ipv4: 192, 0, 2, 1)

    func testARefusingZoneChargesNoOther() throws {
        let limits = try limits("""
            rate_limits:
              wide: {key: client_address, rate: 1r/s, size: 32k}
              narrow: {key: route, rate: 1r/m, size: 32k}
            rate_limit: [{zone: wide, burst: 10, nodelay: true}, {zone: narrow}]
            """)
        let head = try head()
        let now = 100 * second
        XCTAssertEqual(RequestLimiter.check(limits, client: client, route: 0, head: head, now: now).verdict, .pass)
        // `narrow` refuses the next three: `wide` must not be charged for them.
        for _ in 0..<3 {
            let refused = RequestLimiter.check(limits, client: client, route: 0, head: head, now: now)
            XCTAssertEqual(refused.verdict, .refuse(.tooManyRequests, retryAfter: 60))
            XCTAssertEqual(refused.refusal?.zone.name, "narrow")
        }
        let wide = limits.rates[0]
        let key = wide.zone.fingerprint(client: client, route: 0, head: head)!
        // One request charged: the bucket empties one second after `now`.
        XCTAssertEqual(wide.zone.table.decide(key, bucket: wide.bucket, now: now, commit: false),
            .admit(tat: now + 2 * second, delay: 0))
        XCTAssertEqual(limits.rates[1].zone.counters.limited.load(ordering: .relaxed), 3)
        XCTAssertEqual(wide.zone.counters.limited.load(ordering: .relaxed), 0)
    }

    func testAConnectionZoneRefusesBeforeAnyRateZoneIsCharged() throws {
        let limits = try limits("""
            rate_limits:
              rate: {key: client_address, rate: 1r/s, size: 32k}
            connection_limits:
              busy: {key: client_address, size: 32k}
            rate_limit: {zone: rate, burst: 100}
            connection_limit: {zone: busy, max: 1}
            """)
        let head = try head()
        let now = 100 * second
        var first = RequestLimiter.check(limits, client: client, route: 0, head: head, now: now)
        XCTAssertEqual(first.verdict, .pass)
        XCTAssertFalse(first.lease.isEmpty)
        let refused = RequestLimiter.check(limits, client: client, route: 0, head: head, now: now)
        XCTAssertEqual(refused.verdict, .refuse(.tooManyRequests, retryAfter: nil))
        XCTAssertEqual(refused.refusal?.zone.name, "busy")
        // The rate zone holds the first request only: the next one waits one interval, not two.
        first.lease.release()
        XCTAssertEqual(RequestLimiter.check(limits, client: client, route: 0, head: head, now: now).verdict,
            .delay(.seconds(1)))
    }

    func testARequestWithoutTheKeyIsNotCounted() throws {
        let limits = try limits("""
            rate_limits:
              per_key: {key: "header:X-Api-Key", rate: 1r/m, size: 32k, status: 503}
            rate_limit: {zone: per_key}
            """)
        let now = 100 * second
        for _ in 0..<3 {
            XCTAssertEqual(RequestLimiter.check(limits, client: client, route: 0, head: try head(), now: now).verdict,
                .pass)
            XCTAssertEqual(
                RequestLimiter.check(limits, client: client, route: 0, head: try head("X-Api-Key:\r\n"), now: now)
                    .verdict, .pass)
        }
        let keyed = try head("x-api-key: k1\r\n")
        XCTAssertEqual(RequestLimiter.check(limits, client: client, route: 0, head: keyed, now: now).verdict, .pass)
        let refused = RequestLimiter.check(limits, client: client, route: 0, head: keyed, now: now)
        XCTAssertEqual(refused.verdict, .refuse(.serviceUnavailable, retryAfter: 60))
        XCTAssertEqual(refused.refusal?.excess, 1)
        // Another client with the same key shares its bucket; another key does not.
        XCTAssertNotEqual(RequestLimiter.check(
            limits, client: IPAddress(ipv4: 198, 51, 100, 1), route: 0, head: keyed, now: now).verdict, .pass)
        XCTAssertEqual(RequestLimiter.check(
            limits, client: client, route: 0, head: try head("X-Api-Key: k2\r\n"), now: now).verdict, .pass)
    }

    func testOneLogLinePerClientPerIntervalAndASummaryOfTheRest() {
        var throttle = LimitLogThrottle(interval: 10 * second, maxKeys: 2)
        let start = 1_000 * second
        XCTAssertEqual(throttle.refused(key: 1, now: start), .init(logThis: true, unloggedBefore: nil))
        XCTAssertEqual(throttle.refused(key: 1, now: start + 1), .init(logThis: false, unloggedBefore: nil))
        XCTAssertEqual(throttle.refused(key: 2, now: start + 2), .init(logThis: true, unloggedBefore: nil))
        // A third client in the interval is past `maxKeys`: counted only.
        XCTAssertEqual(throttle.refused(key: 3, now: start + 3), .init(logThis: false, unloggedBefore: nil))
        // The next interval: a line again, after a summary of the two refusals that had none.
        XCTAssertEqual(throttle.refused(key: 1, now: start + 10 * second), .init(logThis: true, unloggedBefore: 2))
        XCTAssertEqual(throttle.refused(key: 3, now: start + 11 * second), .init(logThis: true, unloggedBefore: nil))
    }
}
