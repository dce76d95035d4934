import XCTest

@testable import BalancerCore

/// `LeakyBucket` against nginx's `limit_req`: the examples of nginx's documentation, and random request sequences
/// run through a line-by-line model of `ngx_http_limit_req_lookup` and `ngx_http_limit_req_account`.
final class LeakyBucketTests: XCTestCase {
    private let ms: Int64 = 1_000_000

    /// nginx's algorithm as written in ngx_http_limit_req_module.c: excess and rate in thousandths, time in
    /// milliseconds; returns (admitted, delay in ms) like the module's lookup and account steps.
    struct NginxModel {
        let rate: Int64  // requests per second × 1000 (ctx->rate for `r/s`)
        let burst: Int64  // × 1000
        let delay: Int64  // × 1000; nodelay: NGX_MAX_INT_T_VALUE / 1000
        var nodes: [Int: (excess: Int64, last: Int64)] = [:]

        init(requestsPerSecond: Int64, burst: Int64, delay: Int64?) {
            rate = requestsPerSecond * 1000
            self.burst = burst * 1000
            self.delay = delay.map { $0 * 1000 } ?? (Int64.max / 1000)
        }

        mutating func request(key: Int, at now: Int64) -> (admitted: Bool, delayMilliseconds: Int64) {
            var excess: Int64
            if let node = nodes[key] {
                var elapsed = now - node.last
                if elapsed < -60000 { elapsed = 1 } else if elapsed < 0 { elapsed = 0 }
                excess = node.excess - rate * elapsed / 1000 + 1000
                if excess < 0 { excess = 0 }
                if excess > burst { return (false, 0) }
                nodes[key] = (excess, elapsed != 0 ? now : node.last)
            } else {
                excess = 0
                nodes[key] = (0, now)
            }
            if excess <= delay { return (true, 0) }
            return (true, (excess - delay) * 1000 / rate)
        }
    }

    /// The documentation's example: `rate=1r/s burst=5`, then `nodelay`, then `delay=3` (nginx.org's
    /// "limit_req" page and its blog post "Rate Limiting with NGINX"): eight requests at once.
    func testTheDocumentedBurstAndDelayExamples() {
        let rate = RequestRate(requests: 1, per: .second)
        let second: Int64 = 1_000_000_000
        func run(_ bucket: LeakyBucket) -> [String] {
            var tat: Int64 = 0
            return (0..<8).map { _ in
                switch bucket.decide(tat: tat, now: 1_000 * second) {
                case .admit(let next, let delay):
                    tat = next
                    return delay == 0 ? "now" : "+\(delay / second)s"
                case .reject(let retry):
                    return "refused, retry in \(retry / second)s"
                }
            }
        }
        // burst=5: the first at once, five queued at the rate, the rest refused.
        XCTAssertEqual(run(LeakyBucket(rate: rate, burst: 5, delay: 0)),
            ["now", "+1s", "+2s", "+3s", "+4s", "+5s", "refused, retry in 1s", "refused, retry in 1s"])
        // nodelay: the burst passes at once; its slots free up at the rate.
        XCTAssertEqual(run(LeakyBucket(rate: rate, burst: 5, delay: nil)),
            ["now", "now", "now", "now", "now", "now", "refused, retry in 1s", "refused, retry in 1s"])
        // delay=3: the first 4 at once (1 + 3 excess), the next two delayed, the rest refused.
        XCTAssertEqual(run(LeakyBucket(rate: rate, burst: 5, delay: 3)),
            ["now", "now", "now", "now", "+1s", "+2s", "refused, retry in 1s", "refused, retry in 1s"])
        // burst=0 (the default): one request per second, nothing queued.
        XCTAssertEqual(run(LeakyBucket(rate: rate, burst: 0, delay: 0)),
            ["now"] + Array(repeating: "refused, retry in 1s", count: 7))
    }

    func testTheBucketDrainsAtTheRate() {
        // 10r/s = one request per 100 ms.
        let bucket = LeakyBucket(rate: RequestRate(requests: 10, per: .second), burst: 0, delay: 0)
        guard case .admit(let tat, 0) = bucket.decide(tat: 0, now: 0) else { return XCTFail() }
        XCTAssertEqual(tat, 100 * ms)
        XCTAssertEqual(bucket.decide(tat: tat, now: 99 * ms), .reject(retryAfter: 1 * ms))
        XCTAssertEqual(bucket.decide(tat: tat, now: 100 * ms), .admit(tat: 200 * ms, delay: 0))
        // A bucket drained long ago is a new one.
        XCTAssertEqual(bucket.decide(tat: tat, now: 60_000 * ms), .admit(tat: 60_100 * ms, delay: 0))
        XCTAssertEqual(RequestRate(requests: 600, per: .minute).intervalNanoseconds, 100 * ms)
        XCTAssertEqual(bucket.excess(tat: 300 * ms, now: 50 * ms), 2.5)
    }

    /// Random arrival sequences, per key, compared decision by decision with nginx's model. Times are whole
    /// milliseconds and rates whole requests per second, where nginx's arithmetic is exact; there every decision
    /// and every delay must agree.
    func testRandomSequencesDecideAsNginx() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            let perSecond = Int64([1, 2, 5, 10, 20, 50, 100, 1000].randomElement(using: &generator)!)
            let burst = Int64.random(in: 0...10, using: &generator)
            let delay: Int64? = [nil, 0, Int64.random(in: 0...12, using: &generator)].randomElement(using: &generator)!
            var model = NginxModel(requestsPerSecond: perSecond, burst: burst, delay: delay)
            let bucket = LeakyBucket(
                rate: RequestRate(requests: Int(perSecond), per: .second), burst: Int(burst), delay: delay.map(Int.init))
            var tats: [Int: Int64] = [:]
            var now: Int64 = 1_000_000
            for step in 0..<400 {
                now += Int64.random(in: 0...(3000 / perSecond), using: &generator)
                let key = Int.random(in: 0..<3, using: &generator)
                let expected = model.request(key: key, at: now)
                let decision = bucket.decide(tat: tats[key] ?? 0, now: now * ms)
                let agrees: Bool
                switch decision {
                case .admit(let tat, let wait):
                    tats[key] = tat
                    agrees = expected.admitted && wait / ms == expected.delayMilliseconds
                case .reject:
                    agrees = !expected.admitted
                }
                guard agrees else {
                    return XCTFail("round \(round) step \(step) (\(perSecond)r/s burst \(burst) delay "
                        + "\(delay.map(String.init) ?? "nodelay")): \(decision), nginx: \(expected)")
                }
            }
        }
    }

    func testRatesAreParsedAsNginxWritesThem() {
        XCTAssertEqual(RequestRate(parsing: "10r/s"), RequestRate(requests: 10, per: .second))
        XCTAssertEqual(RequestRate(parsing: "600r/m"), RequestRate(requests: 600, per: .minute))
        XCTAssertEqual(RequestRate(parsing: "1r/m")?.description, "1r/m")
        for bad in ["0r/s", "10r/h", "10 r/s", "1.5r/s", "r/s", "-1r/s", "10r/S", "10", "2000000r/s", "10r/s "] {
            XCTAssertNil(RequestRate(parsing: bad), bad)
        }
    }
}
