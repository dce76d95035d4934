import AsyncHTTPClient
import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

#if canImport(Glibc)
    import Glibc
#endif

/// More clients than descriptors, and more clients than `limits.max_connections`: the balancer neither spins nor
/// stops serving once the crowd leaves.
final class DescriptorLimitTests: XCTestCase {
    private var balancer: BalancerProcess?
    private var upstream: FakeUpstream?
    private var harness: BalancerHarness?
    private var clients: [RawHTTP] = []

    override func tearDown() async throws {
        clients = []
        balancer?.stop()
        await harness?.shutdown()
        await upstream?.shutdown()
    }

    private static let request = "GET / HTTP/1.1\r\nHost: test\r\n\r\n"
    private static let answer = #"{"fake":200}"#

    /// A config for the balancer process: 2 loops, idle clients kept for a minute so they hold their descriptors.
    private func yaml(port: Int, upstream: FakeUpstream, extra: String) throws -> String {
        """
        listen: [127.0.0.1:\(port)]
        admin: {listen: 127.0.0.1:\(try FreePort.allocate())}
        workers: 2
        access_log: off
        \(extra)
        upstreams:
          backend:
            servers: [\(upstream.address)]
        routes: [{prefix: /, upstream: backend}]
        """
    }

    /// utime + stime of `pid` in seconds, from /proc/PID/stat.
    private func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at state.
        guard let close = stat.lastIndex(of: ")") else { throw TestFailure("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw TestFailure("unreadable /proc/\(pid)/stat: \(stat)")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    /// One keep-alive request on `client`; true when the upstream's answer came back.
    private func served(_ client: RawHTTP) -> Bool {
        client.send(Self.request)
        return client.receive(until: Self.answer).contains(Self.answer)
    }

    /// Polls (bounded) until a new connection gets an answer.
    private func awaitServed(port: Int, within seconds: TimeInterval) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let client = try? RawHTTP(port: port, timeout: 1), served(client) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("no request served within \(seconds) s")
    }

    func testOutOfDescriptorsTheBalancerIdlesAndServesAgainOnceClientsLeave() async throws {
        let upstream = try await FakeUpstream(.status(200))
        self.upstream = upstream
        let port = try FreePort.allocate()
        let extra = "worker_rlimit_nofile: 64\nlimits: {client_header_timeout: 60s, keepalive_timeout: 60s}"
        let balancer = try await BalancerProcess(yaml: try yaml(port: port, upstream: upstream, extra: extra))
        self.balancer = balancer
        try await balancer.waitForLog("open files limit 64 (worker_rlimit_nofile")
        XCTAssertTrue(served(try RawHTTP(port: port)), "serves before the crowd arrives")

        // Loopback connects complete in the kernel's backlog whether or not the balancer accepts them.
        for _ in 0..<120 { clients.append(try RawHTTP(port: port)) }
        let deadline = Date().addingTimeInterval(10)
        while openDescriptors(balancer.pid) < 64 {
            guard Date() < deadline else {
                throw TestFailure("balancer holds \(openDescriptors(balancer.pid)) descriptors, never reached 64")
            }
            try await Task.sleep(for: .milliseconds(20))
        }

        // Over the limit with connections waiting in the backlog: a spinning loop burns a core (≈ 2 s of CPU).
        let cpuBefore = try cpuSeconds(balancer.pid)
        let started = Date()
        try await Task.sleep(for: .seconds(2))
        let cpu = try cpuSeconds(balancer.pid) - cpuBefore
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(openDescriptors(balancer.pid), 63, "still out of descriptors during the window")
        XCTAssertLessThan(cpu, 0.25, "CPU seconds used in \(elapsed) s while out of descriptors")
        let warnings = balancer.log.split(separator: "\n").filter { $0.contains("cannot accept on") }
        XCTAssertFalse(warnings.isEmpty, "the failed accepts are logged")
        XCTAssertLessThanOrEqual(warnings.count, Int(elapsed) + 3, "at most one line a second:\n\(warnings)")

        clients = []
        try await awaitServed(port: port, within: 10)
        for n in 0..<20 {
            let client = try RawHTTP(port: port)
            XCTAssertTrue(served(client), "request \(n) after the crowd left")
        }
        XCTAssertTrue(balancer.isRunning)
    }

    func testConnectionPastMaxConnectionsIsClosedAtOnceAndTheOthersWork() async throws {
        let upstream = try await FakeUpstream(.status(200))
        self.upstream = upstream
        let yaml = """
            limits: {max_connections: 3}
            upstreams:
              backend:
                servers: [\(upstream.address)]
            routes: [{prefix: /, upstream: backend}]
            """
        let harness = try await BalancerHarness(yaml: yaml, workers: 1)
        self.harness = harness
        for _ in 0..<3 {
            let client = try RawHTTP(port: harness.port)
            XCTAssertTrue(served(client))
            clients.append(client)
        }

        let started = Date()
        let extra = try RawHTTP(port: harness.port, timeout: 3)
        XCTAssertTrue(extra.peerClosed(), "connection 4 of 3 is closed")
        XCTAssertLessThan(Date().timeIntervalSince(started), 1, "closed at once, not at a timeout")
        XCTAssertEqual(harness.server.stats.refusedClients.load(ordering: .relaxed), 1)
        XCTAssertEqual(harness.server.stats.acceptedClients.load(ordering: .relaxed), 3)
        let http = HTTPClient.makeForTests()
        let metrics = try await http.fetch(harness.adminURL + "/metrics").body
        let status = try await http.fetch(harness.adminURL + "/status.json").body
        try await http.shutdown()
        XCTAssertTrue(metrics.contains("\nbalancer_client_connections_refused_total 1\n"), metrics)
        XCTAssertTrue(status.contains("\"refused\":1"), status)

        for (n, client) in clients.enumerated() { XCTAssertTrue(served(client), "admitted connection \(n)") }

        // One leaves: its place is free for the next client.
        clients.removeLast()
        try await awaitServed(port: harness.port, within: 5)
    }

    func testRefusalsAreLoggedAtMostOnceASecond() async throws {
        let upstream = try await FakeUpstream(.status(200))
        self.upstream = upstream
        let port = try FreePort.allocate()
        let balancer = try await BalancerProcess(
            yaml: try yaml(port: port, upstream: upstream, extra: "limits: {max_connections: 1}"))
        self.balancer = balancer
        // Two loops, one connection each; connections after them are refused.
        let started = Date()
        var refused = 0
        for _ in 0..<60 {
            let client = try RawHTTP(port: port, timeout: 3)
            if served(client) { clients.append(client) } else { refused += 1 }
        }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(refused, 58, "all but one per loop refused")
        try await balancer.waitForLog("(limits.max_connections)")
        let lines = balancer.log.split(separator: "\n").filter { $0.contains("(limits.max_connections)") }
        // One line per loop per second at most, and not one per refusal.
        XCTAssertLessThanOrEqual(lines.count, 2 * (Int(elapsed) + 1), "\(lines)")
    }
}
