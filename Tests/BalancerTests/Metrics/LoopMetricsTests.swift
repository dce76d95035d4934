import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// A loop's request counters: found per server object on the request path, reported per server id.
final class LoopMetricsTests: XCTestCase {
    private let yaml = """
        listen: 127.0.0.1:8080
        upstreams:
          backend:
            servers: [127.0.0.1:9000, 127.0.0.1:9001]
        routes:
          - prefix: /
            upstream: backend
        """

    private func request(to server: UpstreamServer?, status: Int) -> RequestRecord {
        var record = RequestRecord()
        record.begin(HTTP1RequestHead(method: .GET, uri: "/", version: .http1_1), at: .now())
        record.status = status
        record.upstreamStatus = server == nil ? nil : status
        record.upstreamServer = server
        return record
    }

    func testAServerReplacedByAReloadCountsOnUnderItsID() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(yaml))
        let first = ProxySnapshot(config: config, generation: 1)
        let heavier = try XCTUnwrap(
            ConfigFixture.parse(yaml.replacingOccurrences(of: "127.0.0.1:9001]", with: "{address: 127.0.0.1:9001, weight: 2}]")))
        let second = ProxySnapshot(config: heavier, generation: 2, reusing: first)
        let old = first.groups[0].servers[1]
        let new = second.groups[0].servers[1]
        XCTAssertFalse(old === new, "a changed line is a new object")

        let metrics = LoopMetrics()
        metrics.record(request(to: old, status: 200), in: first, now: .now())
        metrics.record(request(to: new, status: 502), in: second, now: .now())
        metrics.record(request(to: first.groups[0].servers[0], status: 200), in: first, now: .now())
        metrics.record(request(to: nil, status: 404), in: first, now: .now())

        let figures = metrics.snapshot()
        XCTAssertEqual(figures.totalRequests, 4)
        let replaced = try XCTUnwrap(figures.servers[ServerKey(group: "backend", server: new.id)])
        XCTAssertEqual(replaced.byClass[2], 1, "the old object's request")
        XCTAssertEqual(replaced.byClass[5], 1, "and the new object's, under one id")
        XCTAssertEqual(figures.servers.count, 2)
    }
}
