import AsyncHTTPClient
import Atomics
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Failover over real sockets, `scripts/failover-drill.sh` in short: real replicas (child processes) behind the
/// in-process balancer, a crash (SIGKILL) or a hang (SIGSTOP) under load, upstream 503s, and the way back after a
/// restart — through active checks, through passive ejection running out, and with slow start.
final class FailoverTests: XCTestCase {
    private var replicas: [ReplicaProcess] = []
    private var fake: FakeUpstream?
    private var balancer: BalancerHarness?
    private var client: HTTPClient!

    override func setUp() async throws {
        client = HTTPClient.makeForTests()
    }

    override func tearDown() async throws {
        try await client?.shutdown()
        // The balancer first: it closes its upstream connections, so each replica's graceful stop has nothing to
        // wait for.
        await balancer?.shutdown()
        for replica in replicas { replica.resumeAndStop() }
        replicas = []
        await fake?.shutdown()
    }

    // MARK: - Set-up

    /// Starts backend-1…backend-`count` on free ports; tearDown stops them.
    private func startReplicas(_ count: Int = 3) async throws -> [ReplicaProcess] {
        for n in 1...count { replicas.append(try await ReplicaProcess(instanceID: "backend-\(n)")) }
        return replicas
    }

    /// Starts the replica again on the port it had (tearDown stops it too).
    private func restart(_ replica: ReplicaProcess) async throws -> ReplicaProcess {
        let restarted = try await ReplicaProcess(instanceID: replica.instanceID, port: replica.port)
        replicas.append(restarted)
        return restarted
    }

    /// The balancer with one group `backend` over `servers`, routed from `/`; `group` and `proxy` are YAML lines
    /// (indented as they will be) added to the group and to `proxy:`.
    private func startBalancer(servers: [String], group: String, proxy: String = "") async throws -> BalancerHarness {
        let harness = try await BalancerHarness(
            yaml: """
                proxy:
                  connect_timeout: 1s
                \(proxy)
                upstreams:
                  backend:
                    balance: least_conn
                \(group)
                    servers: [\(servers.joined(separator: ", "))]
                routes:
                  - prefix: /
                    upstream: backend
                """
        )
        balancer = harness
        return harness
    }

    /// The run-time server for `address` in group `backend`.
    private func upstream(_ address: String) throws -> UpstreamServer {
        let group = try XCTUnwrap(balancer?.server.snapshot.groups.first)
        return try XCTUnwrap(group.servers.first { $0.name == address }, "no server \(address)")
    }

    // MARK: - Scenarios

    /// The drill's scenario: a replica crashes in the middle of GETs and POSTs; every request still succeeds
    /// (retried on the others, POSTs too since `/api/echo` is safe to repeat and `non_idempotent` is listed), and
    /// once out of rotation the dead replica is sent nothing more.
    func testKilledReplicaUnderLoadCostsNoRequest() async throws {
        let replicas = try await startReplicas()
        let balancer = try await startBalancer(
            servers: replicas.map(\.address),
            group: """
                    max_fails: 1
                    fail_timeout: 30s
                    health_check: {path: /health, interval: 300ms, timeout: 200ms, rise: 2, fall: 2}
                """,
            proxy: "  next_upstream: [error, timeout, non_idempotent]"
        )
        let victim = try upstream(replicas[1].address)
        let loadEnds = Date().addingTimeInterval(3)
        let load = Load.start(client: client, baseURL: balancer.baseURL, gets: 4, posts: 4, until: loadEnds)

        // Kill once traffic demonstrably flows through backend-2 and at least a second has passed.
        try await waitUntil("backend-2 to take requests", within: 5) {
            victim.requests.load(ordering: .relaxed) >= 50 && loadEnds.timeIntervalSinceNow <= 2
        }
        replicas[1].kill()
        try await waitUntil("backend-2 to leave rotation", within: 1.5) { Self.isOutOfRotation(victim) }
        // An attempt picked a moment before the ejection may still count; after this it must not grow.
        try await Task.sleep(for: .milliseconds(100))
        let requestsWhenOut = victim.requests.load(ordering: .relaxed)

        let outcomes = await load.value
        let gets = outcomes.filter { $0.method == .GET }
        let posts = outcomes.filter { $0.method == .POST }
        XCTAssertGreaterThan(gets.count, 100, "the load ran")
        XCTAssertGreaterThan(posts.count, 100, "the load ran")
        XCTAssertEqual(gets.filter { !$0.succeeded }.count, 0, "failed GETs: \(gets.failures)")
        XCTAssertEqual(posts.filter { !$0.succeeded }.count, 0, "failed POSTs: \(posts.failures)")
        XCTAssertGreaterThan(victim.failures.load(ordering: .relaxed), 0, "the crash did hit requests (retried)")
        XCTAssertTrue(Self.isOutOfRotation(victim), "still out: \(victim.passiveState), \(victim.activeHealth)")
        XCTAssertEqual(victim.requests.load(ordering: .relaxed), requestsWhenOut, "sent requests while down")
    }

    /// A replica that accepts and never answers (SIGSTOP): a request already on it gets 504 after read_timeout
    /// and is not replayed elsewhere (it may have been processed); the timeout ejects the replica, and the
    /// requests after that are answered by the others at once.
    func testHungReplicaGets504OnceThenIsEjected() async throws {
        let replicas = try await startReplicas()
        let balancer = try await startBalancer(
            servers: replicas.map(\.address),
            group: """
                    max_fails: 1
                    fail_timeout: 30s
                """,
            proxy: "  read_timeout: 1s"
        )
        let hung = try upstream(replicas[1].address)
        replicas[1].pause()
        let before = hung.requests.load(ordering: .relaxed)

        // Requests start one by one until one has been handed to the hung replica (least_conn rotates ties, so it
        // is among the first three); the others finish meanwhile.
        let url = balancer.baseURL + "/api/instance"
        let client: HTTPClient = self.client
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for _ in 0..<9 where hung.requests.load(ordering: .relaxed) == before {
                group.addTask { await Outcome.fetch(client, url: url, method: .GET) }
                // Long enough for the request to be picked and, unless it went to the hung replica, answered.
                try await Task.sleep(for: .milliseconds(30))
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let onHung = hung.requests.load(ordering: .relaxed) - before
        XCTAssertGreaterThan(onHung, 0, "a request reached the hung replica")
        let timedOut = outcomes.filter { $0.status == 504 }
        XCTAssertEqual(timedOut.count, onHung, "each request on the hung replica got 504: \(outcomes)")
        XCTAssertEqual(outcomes.filter { $0.status == 200 }.count, outcomes.count - onHung, "\(outcomes)")
        for outcome in timedOut {
            XCTAssertGreaterThanOrEqual(outcome.elapsed, 0.9, "504 only after read_timeout")
            XCTAssertLessThan(outcome.elapsed, 2.0, "not retried past read_timeout (2 x read_timeout)")
        }
        guard case .ejected = hung.passiveState.state else {
            return XCTFail("the read timeout ejects the hung replica: \(hung.passiveState)")
        }

        for _ in 0..<12 {
            let outcome = await Outcome.fetch(client, url: url, method: .GET)
            XCTAssertEqual(outcome.status, 200, "\(outcome)")
            XCTAssertNotEqual(outcome.instance, "backend-2")
            XCTAssertLessThan(outcome.elapsed, 0.5, "answered without waiting on the hung replica")
        }
        XCTAssertEqual(hung.requests.load(ordering: .relaxed) - before, onHung, "nothing more sent to it")
    }

    /// With `http_503` in next_upstream, a 503 from one server is retried on the next: the client sees 200 although
    /// the failing server keeps being picked (max_fails 0 never ejects it).
    func testUpstream503IsRetriedElsewhereWithHttp503() async throws {
        let outcomes = try await run503Scenario(nextUpstream: "[error, timeout, http_503]")
        XCTAssertEqual(outcomes.filter { $0.status == 200 && $0.instance == "backend-1" }.count, outcomes.count,
                       "every request answered by the replica: \(outcomes.filter { $0.status != 200 })")
    }

    /// Without `http_503`, the upstream's own 503 reaches the client.
    func testUpstream503ReachesClientWithoutHttp503() async throws {
        let outcomes = try await run503Scenario(nextUpstream: "[error, timeout]")
        let unavailable = outcomes.filter { $0.status == 503 }
        XCTAssertGreaterThanOrEqual(unavailable.count, 5, "\(outcomes)")
        XCTAssertTrue(unavailable.allSatisfy { $0.body == "{\"fake\":503}" }, "the upstream's answer is relayed")
        XCTAssertEqual(unavailable.count + outcomes.filter { $0.status == 200 }.count, outcomes.count)
    }

    /// 20 sequential GETs over a replica and a FakeUpstream that answers 503; checks the fake was asked often.
    private func run503Scenario(nextUpstream: String) async throws -> [Outcome] {
        let replica = try await startReplicas(1)[0]
        let fake = try await FakeUpstream(.status(503))
        self.fake = fake
        let balancer = try await startBalancer(
            servers: [replica.address, fake.address],
            group: "    max_fails: 0",
            proxy: "  next_upstream: \(nextUpstream)"
        )
        var outcomes: [Outcome] = []
        for _ in 0..<20 {
            outcomes.append(await Outcome.fetch(client, url: balancer.baseURL + "/api/instance", method: .GET))
        }
        // Ties rotate, so the fake is picked for about half of them; fewer would make the test prove nothing.
        XCTAssertGreaterThanOrEqual(try upstream(fake.address).requests.load(ordering: .relaxed), 5)
        return outcomes
    }

    /// Active checks bring a restarted replica back within rise x interval, long before a passive ejection
    /// (fail_timeout 30s) would have run out.
    func testRestartedReplicaIsBackWithinRiseTimesInterval() async throws {
        let replicas = try await startReplicas()
        let balancer = try await startBalancer(
            servers: replicas.map(\.address),
            group: """
                    max_fails: 1
                    fail_timeout: 30s
                    health_check: {path: /health, interval: 300ms, timeout: 200ms, rise: 2, fall: 2}
                """
        )
        let victim = try upstream(replicas[1].address)
        let url = balancer.baseURL + "/api/instance"
        replicas[1].kill()
        // Traffic while it is down: retried elsewhere, and it ejects the replica passively for 30 s.
        for _ in 0..<6 {
            let outcome = await Outcome.fetch(client, url: url, method: .GET)
            XCTAssertEqual(outcome.status, 200, "\(outcome)")
        }
        XCTAssertTrue(Self.isEjected(victim), "\(victim.passiveState)")
        try await waitUntil("the checks to mark backend-2 unhealthy", within: 3) { victim.activeHealth == .unhealthy }

        _ = try await restart(replicas[1])
        let restarted = Date()
        let back = try await firstAnswer(from: "backend-2", url: url, within: 5)
        let riseTimesInterval = 2 * 0.3
        print("active checks: backend-2 answered \(Self.seconds(back.timeIntervalSince(restarted))) after its restart")
        XCTAssertLessThan(back.timeIntervalSince(restarted), riseTimesInterval + 1.2, "back within rise x interval")
        XCTAssertEqual(victim.activeHealth, .healthy)
        XCTAssertFalse(Self.isEjected(victim), "passing checks end the passive ejection too")
    }

    /// Without active checks the way back is passive: the ejection runs out after fail_timeout, one trial request
    /// goes through, and the replica is back — not earlier, and not much later.
    func testRestartedReplicaIsBackAfterFailTimeoutWithPassiveChecksOnly() async throws {
        let replicas = try await startReplicas()
        let balancer = try await startBalancer(
            servers: replicas.map(\.address),
            group: """
                    max_fails: 1
                    fail_timeout: 2s
                """
        )
        let victim = try upstream(replicas[1].address)
        let url = balancer.baseURL + "/api/instance"
        replicas[1].kill()
        var ejectedSeen: Date?
        for _ in 0..<20 where ejectedSeen == nil {
            let outcome = await Outcome.fetch(client, url: url, method: .GET)
            XCTAssertEqual(outcome.status, 200, "retried elsewhere: \(outcome)")
            if Self.isEjected(victim) { ejectedSeen = Date() }
        }
        let ejected = try XCTUnwrap(ejectedSeen, "a refused connect ejects backend-2")

        _ = try await restart(replicas[1])
        let restarted = Date()
        let back = try await firstAnswer(from: "backend-2", url: url, within: 6)
        let failTimeout = 2.0
        print("passive only: backend-2 answered \(Self.seconds(back.timeIntervalSince(restarted))) after its restart, "
              + "\(Self.seconds(back.timeIntervalSince(ejected))) after its ejection")
        XCTAssertGreaterThan(back.timeIntervalSince(ejected), failTimeout - 0.3, "not before the ejection ran out")
        XCTAssertLessThan(back.timeIntervalSince(restarted), failTimeout + 1.0, "back within fail_timeout")
        XCTAssertFalse(Self.isEjected(victim), "the trial request put it back: \(victim.passiveState)")
    }

    /// Slow start: in the first third of the window after its recovery (its weight still under a third), the
    /// restarted replica gets well under an even share of a concurrent load; with `slow_start: 0s` it gets about
    /// an even share, so the bound below tells the two apart.
    ///
    /// least_conn weighs in-flight requests by the ramped weight, which only matters while servers have requests
    /// in flight: a server with none wins whatever its weight. So each request holds its replica for 20 ms, and
    /// the others carry several at a time while the recovering one is held to about one.
    func testSlowStartGivesRecoveredReplicaASmallShareAtFirst() async throws {
        let replicas = try await startReplicas()
        let balancer = try await startBalancer(
            servers: replicas.map(\.address),
            group: """
                    max_fails: 1
                    fail_timeout: 30s
                    slow_start: 6s
                    health_check: {path: /health, interval: 300ms, timeout: 200ms, rise: 2, fall: 2}
                """
        )
        let servers = try replicas.map { try upstream($0.address) }
        let victim = servers[1]
        let stop = ManagedAtomic(false)
        let load = Load.start(
            client: client, baseURL: balancer.baseURL, gets: 12, posts: 0, getPath: "/api/slow?ms=20", stop: stop)
        defer { stop.store(true, ordering: .relaxed) }

        try await waitUntil("backend-2 to take requests", within: 5) { victim.requests.load(ordering: .relaxed) >= 20 }
        replicas[1].kill()
        try await waitUntil("the checks to mark backend-2 unhealthy", within: 3) { victim.activeHealth == .unhealthy }
        _ = try await restart(replicas[1])
        try await waitUntil("the checks to bring backend-2 back", within: 3) { victim.activeHealth == .healthy }

        let startCounts = servers.map { $0.requests.load(ordering: .relaxed) }
        let windowThird = Date().addingTimeInterval(2)
        try await waitUntil("a third of the slow-start window", within: 3) { Date() >= windowThird }
        let counts = zip(servers, startCounts).map { $0.requests.load(ordering: .relaxed) - $1 }
        stop.store(true, ordering: .relaxed)
        let outcomes = await load.value

        XCTAssertEqual(outcomes.filter { !$0.succeeded }.count, 0, "failed: \(outcomes.failures)")
        let total = counts.reduce(0, +)
        XCTAssertGreaterThan(total, 100, "the load ran: \(counts)")
        XCTAssertGreaterThan(counts[1], 0, "a recovering replica still gets a trickle: \(counts)")
        let evenShare = Double(total) / 3
        print("slow start: requests per server in the first 2 s of 6 s: \(counts)")
        XCTAssertLessThan(Double(counts[1]), 0.6 * evenShare, "requests per server in the first 2 s: \(counts)")
    }

    // MARK: - Helpers

    /// Sequential GETs (all must succeed) until one is answered by `instance`; returns when that happened.
    private func firstAnswer(from instance: String, url: String, within seconds: TimeInterval) async throws -> Date {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let outcome = await Outcome.fetch(client, url: url, method: .GET)
            XCTAssertEqual(outcome.status, 200, "\(outcome)")
            if outcome.instance == instance { return Date() }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("\(instance) answered no request within \(seconds) s")
    }

    private static func seconds(_ interval: TimeInterval) -> String { String(format: "%.3f s", interval) }

    private static func isEjected(_ server: UpstreamServer) -> Bool {
        if case .ejected = server.passiveState.state { return true }
        return false
    }

    private static func isOutOfRotation(_ server: UpstreamServer) -> Bool {
        isEjected(server) || server.activeHealth == .unhealthy
    }
}

/// Polls `condition` every 10 ms until it holds; fails the test with `what` after `seconds`.
private func waitUntil(_ what: String, within seconds: TimeInterval, _ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else { throw TestFailure("timed out after \(seconds) s waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// What became of one request: status (nil on a client-side error), the answering replica, and how long it took.
private struct Outcome: Sendable, CustomStringConvertible {
    var method: HTTPMethod
    var status: Int?
    var instance: String?
    var body: String
    var error: String?
    var started: Date
    var elapsed: TimeInterval

    var succeeded: Bool { status == 200 && error == nil }

    var description: String {
        "\(method) \(status.map(String.init) ?? "-") \(instance ?? "-") \(String(format: "%.3f", elapsed))s"
            + (error.map { " error: \($0)" } ?? "") + (status == 200 ? "" : " \(body.prefix(200))")
    }

    /// GET or POST (a small JSON body) `url`; never throws, a client error becomes part of the outcome.
    static func fetch(_ client: HTTPClient, url: String, method: HTTPMethod) async -> Outcome {
        let started = Date()
        var outcome = Outcome(method: method, body: "", started: started, elapsed: 0)
        do {
            let body = method == .POST ? ByteBuffer(string: "{\"item\":\"apples\",\"quantity\":3}") : nil
            let headers = method == .POST ? [("Content-Type", "application/json")] : []
            let response = try await client.fetch(url, method: method, headers: headers, body: body)
            outcome.status = response.status
            outcome.instance = response.headers.first(name: "x-instance-id")
            outcome.body = response.body
        } catch {
            outcome.error = "\(error)"
        }
        outcome.elapsed = Date().timeIntervalSince(started)
        return outcome
    }
}

fileprivate extension Array where Element == Outcome {
    /// The first few failed outcomes, for assertion messages.
    var failures: String {
        filter { !$0.succeeded }.prefix(5).map(\.description).joined(separator: "; ")
    }
}

/// Concurrent request loops against the balancer: GET (/api/instance) and POST /api/echo loops, each sending its
/// next request as soon as the last one is answered, until a deadline or a stop flag.
private enum Load {
    static func start(
        client: HTTPClient,
        baseURL: String,
        gets: Int,
        posts: Int,
        getPath: String = "/api/instance",
        until deadline: Date = .distantFuture,
        stop: ManagedAtomic<Bool> = ManagedAtomic(false)
    ) -> Task<[Outcome], Never> {
        Task {
            await withTaskGroup(of: [Outcome].self) { group in
                for index in 0..<(gets + posts) {
                    let method: HTTPMethod = index < gets ? .GET : .POST
                    let url = baseURL + (method == .GET ? getPath : "/api/echo")
                    group.addTask {
                        var outcomes: [Outcome] = []
                        while Date() < deadline && !stop.load(ordering: .relaxed) {
                            outcomes.append(await Outcome.fetch(client, url: url, method: method))
                        }
                        return outcomes
                    }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
        }
    }
}
