import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// SIGHUP reloads and SIGTERM drains, on the balancer as a real process in front of real replicas.
final class ReloadProcessTests: XCTestCase {
    private var replicas: [ReplicaProcess] = []
    private var balancer: BalancerProcess?
    private var client: HTTPClient!
    /// The admin listener's port, free per test so balancers never collide on the default.
    private var adminPort = 0

    override func setUp() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        // Enough connections for every concurrent slow request to be in flight at once.
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        adminPort = try FreePort.allocate()
    }

    override func tearDown() async throws {
        try await client?.shutdown()
        balancer?.stop()
        for replica in replicas { replica.stop() }
        replicas = []
    }

    /// Polls the balancer's own `/status.json` (bounded) until at least `count` requests are in flight upstream,
    /// so a test signals the balancer only once its slow requests have really arrived.
    private func waitForInFlight(_ count: Int, within seconds: TimeInterval = 10) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        var seen = 0
        while Date() < deadline {
            if let response = try? await client.fetch("http://127.0.0.1:\(adminPort)/status.json"),
                let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
                let upstreams = json["upstreams"] as? [String: Any]
            {
                let servers = upstreams.values.compactMap { ($0 as? [String: Any])?["servers"] as? [[String: Any]] }
                seen = servers.joined().compactMap { $0["active"] as? Int }.reduce(0, +)
                if seen >= count { return }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("\(seen) requests in flight after \(Int(seconds)) s, expected \(count)")
    }

    private func startReplicas(_ count: Int) async throws -> [ReplicaProcess] {
        for n in 1...count { replicas.append(try await ReplicaProcess(instanceID: "backend-\(n)")) }
        return replicas
    }

    /// A config over `servers` listening on `listen`; the pid file sits in the balancer's directory.
    private func yaml(listen: [Int], servers: [ReplicaProcess], shutdownTimeout: String = "10s",
                      pidFile: String, extra: String = "") -> String {
        """
        listen: [\(listen.map { "127.0.0.1:\($0)" }.joined(separator: ", "))]
        admin: {listen: "127.0.0.1:\(adminPort)"}
        workers: 2
        access_log: off
        pid_file: \(pidFile)
        shutdown_timeout: \(shutdownTimeout)
        \(extra)
        upstreams:
          backend:
            balance: least_conn
            servers: [\(servers.map(\.address).joined(separator: ", "))]
        routes:
          - prefix: /
            upstream: backend
        """
    }

    private func start(listen: [Int], servers: [ReplicaProcess], shutdownTimeout: String = "10s") async throws
        -> BalancerProcess
    {
        // The pid file goes to a directory of its own, so the test can check it is removed at exit.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("balancer.pid").path
        let process = try await BalancerProcess(
            yaml: yaml(listen: listen, servers: servers, shutdownTimeout: shutdownTimeout, pidFile: pidFile))
        balancer = process
        return process
    }

    /// The pid file `start` configured, read back from the config.
    private func pidFile(of process: BalancerProcess) throws -> String {
        let config = try String(contentsOfFile: process.configPath, encoding: .utf8)
        let line = try XCTUnwrap(config.split(separator: "\n").first { $0.hasPrefix("pid_file: ") })
        return String(line.dropFirst("pid_file: ".count))
    }

    /// Instances that answered `count` sequential `GET /api/instance` on `port`; fails on any status but 200.
    private func instances(port: Int, count: Int) async throws -> [String: Int] {
        var seen: [String: Int] = [:]
        for _ in 0..<count {
            let response = try await client.fetch("http://127.0.0.1:\(port)/api/instance")
            XCTAssertEqual(response.status, 200)
            seen[response.headers.first(name: "X-Instance-Id") ?? "?", default: 0] += 1
        }
        return seen
    }

    // MARK: - Reload

    func testAddedServerStartsReceivingRequests() async throws {
        let backends = try await startReplicas(3)
        let port = try FreePort.allocate()
        let balancer = try await start(listen: [port], servers: Array(backends[0..<2]))
        let pidFile = try pidFile(of: balancer)
        XCTAssertEqual(try String(contentsOfFile: pidFile, encoding: .utf8), "\(balancer.pid)\n")
        let before = try await instances(port: port, count: 20)
        XCTAssertNil(before["backend-3"])

        try balancer.writeConfig(yaml(listen: [port], servers: backends, pidFile: pidFile))
        let line = try await balancer.reload(expecting: 1)
        XCTAssertTrue(line.contains("reload #1 applied: upstream backend +\(backends[2].address)"), line)
        let after = try await instances(port: port, count: 30)
        XCTAssertGreaterThan(after["backend-3", default: 0], 0, "the added server got nothing: \(after)")
    }

    func testRemovedServerGetsNoNewRequestsAndItsInFlightRequestCompletes() async throws {
        let backends = try await startReplicas(2)
        let port = try FreePort.allocate()
        let balancer = try await start(listen: [port], servers: backends)
        let pidFile = try pidFile(of: balancer)
        // least_conn spreads concurrent requests, so both servers hold slow requests when the reload comes.
        let client: HTTPClient = self.client
        let slow = (0..<4).map { _ in
            Task { try await client.fetch("http://127.0.0.1:\(port)/api/slow?ms=1500") }
        }
        try await waitForInFlight(4)
        try balancer.writeConfig(yaml(listen: [port], servers: [backends[0]], pidFile: pidFile))
        let line = try await balancer.reload(expecting: 1)
        XCTAssertTrue(line.contains("-\(backends[1].address)"), line)
        let after = try await instances(port: port, count: 20)
        XCTAssertEqual(after, ["backend-1": 20], "the removed server still got requests")
        // While its slow requests run, the removed server stays on the status page as draining.
        let removed = backends[1].address
        let states = try await serverStates()
        XCTAssertEqual(states[removed], "draining", "\(states)")
        var slowInstances: [String] = []
        for request in slow {
            let response = try await request.value
            XCTAssertEqual(response.status, 200)
            slowInstances.append(response.headers.first(name: "X-Instance-Id") ?? "?")
        }
        XCTAssertTrue(slowInstances.contains("backend-2"), "no slow request on the removed server: \(slowInstances)")
        let drained = try await serverStates()
        XCTAssertNil(drained[removed], "a drained server leaves the status page: \(drained)")
    }

    /// Server address → state, from the balancer's `/status.json`.
    private func serverStates() async throws -> [String: String] {
        let response = try await client.fetch("http://127.0.0.1:\(adminPort)/status.json")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let upstreams = try XCTUnwrap(json["upstreams"] as? [String: Any])
        var states: [String: String] = [:]
        for group in upstreams.values {
            for server in (group as? [String: Any])?["servers"] as? [[String: Any]] ?? [] {
                if let address = server["address"] as? String { states[address] = server["state"] as? String }
            }
        }
        return states
    }

    func testInvalidConfigIsRefusedWithItsLineAndTheOldOneKeepsServing() async throws {
        let backends = try await startReplicas(1)
        let port = try FreePort.allocate()
        let balancer = try await start(listen: [port], servers: backends)
        let pidFile = try pidFile(of: balancer)
        let valid = yaml(listen: [port], servers: backends, pidFile: pidFile)
        let broken = valid.replacingOccurrences(
            of: "balance: least_conn", with: "balance: least_conn\n    max_fails: three")
        let brokenLine = broken.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("max_fails: three") }! + 1
        try balancer.writeConfig(broken)
        let line = try await balancer.reload(expecting: 1)
        XCTAssertTrue(line.contains("reload #1 refused: 1 error"), line)
        XCTAssertTrue(balancer.log.contains("\(balancer.configPath):\(brokenLine): upstreams.backend.max_fails:"),
                      balancer.log)
        let still = try await instances(port: port, count: 5)
        XCTAssertEqual(still, ["backend-1": 5])

        try balancer.writeConfig(valid.replacingOccurrences(of: "workers: 2", with: "workers: 3"))
        let applied = try await balancer.reload(expecting: 2)
        XCTAssertTrue(applied.contains("reload #2 applied"), applied)
        XCTAssertTrue(balancer.log.contains("workers changed; restart the balancer"), balancer.log)
    }

    func testListenerAddedThenRemoved() async throws {
        let backends = try await startReplicas(1)
        let first = try FreePort.allocate()
        let second = try FreePort.allocate()
        let balancer = try await start(listen: [first], servers: backends)
        let pidFile = try pidFile(of: balancer)
        let refusedBefore = await RawHTTP.isListening(port: second)
        XCTAssertFalse(refusedBefore)

        try balancer.writeConfig(yaml(listen: [first, second], servers: backends, pidFile: pidFile))
        try await balancer.reload(expecting: 1)
        _ = try await instances(port: second, count: 3)

        // A keep-alive connection accepted on `first` outlives its listener.
        let kept = try RawHTTP(port: first)
        kept.send("GET /api/instance HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(kept.receive(until: "}").hasPrefix("HTTP/1.1 200"))
        try balancer.writeConfig(yaml(listen: [second], servers: backends, pidFile: pidFile))
        let line = try await balancer.reload(expecting: 2)
        XCTAssertTrue(line.contains("listeners -127.0.0.1:\(first)"), line)
        let listening = await RawHTTP.isListening(port: first)
        XCTAssertFalse(listening, "the removed listener still accepts")
        _ = try await instances(port: second, count: 3)
        kept.send("GET /api/instance HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(kept.receive(until: "}").hasPrefix("HTTP/1.1 200"), "the accepted connection was cut")
    }

    /// Runs `balancer reload ARGUMENTS` from `directory` (bounded); returns its exit status and what it printed.
    private func runReloadCommand(in directory: URL, arguments: [String] = []) async throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = BalancerProcess.binary
        process.arguments = ["reload"] + arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning {
            guard Date() < deadline else {
                process.terminate()
                throw TestFailure("balancer reload did not exit within 10 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }

    /// `balancer reload` without `--config` validates the file the running balancer re-reads, not the default path:
    /// run from a directory whose config/balancer.yaml is valid and names the same pid file, it still refuses while
    /// the running config is broken, and names the running file when `--config` names another.
    func testReloadCommandChecksTheConfigTheRunningBalancerServes() async throws {
        let backends = try await startReplicas(1)
        let port = try FreePort.allocate()
        let balancer = try await start(listen: [port], servers: backends)
        let pidFile = try pidFile(of: balancer)
        let valid = yaml(listen: [port], servers: backends, pidFile: pidFile)
        let checkout = FileManager.default.temporaryDirectory.appendingPathComponent("checkout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: checkout.appendingPathComponent("config"), withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: checkout) }
        try valid.write(to: checkout.appendingPathComponent("config/balancer.yaml"), atomically: true, encoding: .utf8)

        try balancer.writeConfig(
            valid.replacingOccurrences(of: "balance: least_conn", with: "balance: least_conn\n    max_fails: three"))
        let refused = try await runReloadCommand(in: checkout)
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.output.contains("\(balancer.configPath):"), refused.output)
        XCTAssertTrue(refused.output.contains("was not signalled"), refused.output)

        let other = try await runReloadCommand(in: checkout, arguments: ["--config", "config/balancer.yaml"])
        XCTAssertEqual(other.status, 1, other.output)
        XCTAssertTrue(other.output.contains("serves \(balancer.configPath)"), other.output)
        XCTAssertFalse(balancer.log.contains("reload #1"), "a refused reload signalled the balancer:\n\(balancer.log)")

        try balancer.writeConfig(valid.replacingOccurrences(of: "workers: 2", with: "workers: 3"))
        let sent = try await runReloadCommand(in: checkout)
        XCTAssertEqual(sent.status, 0, sent.output)
        XCTAssertTrue(sent.output.contains("re-reads \(balancer.configPath)"), sent.output)
        let line = try await balancer.waitForLog("reload #1 applied")
        XCTAssertTrue(line.contains("reload #1 applied"), line)
    }

    // MARK: - Shutdown

    func testSigtermLetsInFlightRequestsFinishAndExitsZero() async throws {
        let backends = try await startReplicas(2)
        let port = try FreePort.allocate()
        let balancer = try await start(listen: [port], servers: backends)
        let pidFile = try pidFile(of: balancer)
        let started = Date()
        let client: HTTPClient = self.client
        let slow = (0..<20).map { _ in
            Task { try await client.fetch("http://127.0.0.1:\(port)/api/slow?ms=1500") }
        }
        // All 20 accepted and upstream before the listener closes.
        try await waitForInFlight(20)
        balancer.send(SIGTERM)
        for request in slow {
            let response = try await request.value
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.headers.first(name: "Connection")?.lowercased(), "close")
        }
        let status = try await balancer.waitForExit(timeout: 8)
        XCTAssertEqual(status, 0, balancer.log)
        XCTAssertLessThan(Date().timeIntervalSince(started), 8, "the drain waited for the deadline")
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidFile), "the pid file was left behind")
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidFile + ".config"), "the config record was left behind")
    }

    func testShutdownDeadlineClosesARequestThatOutlivesIt() async throws {
        let backends = try await startReplicas(1)
        let port = try FreePort.allocate()
        let balancer = try await start(listen: [port], servers: backends, shutdownTimeout: "1s")
        let connection = try RawHTTP(port: port, timeout: 8)
        connection.send("GET /api/slow?ms=5000 HTTP/1.1\r\nHost: t\r\n\r\n")
        // An idle keep-alive connection is closed at once when the drain begins.
        let idle = try RawHTTP(port: port, timeout: 8)
        idle.send("GET /api/instance HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(idle.receive(until: "}").hasPrefix("HTTP/1.1 200"))
        try await waitForInFlight(1)
        let signalled = Date()
        balancer.send(SIGTERM)
        let cut = await Task.detached { connection.receive() }.value
        let closedAfter = Date().timeIntervalSince(signalled)
        XCTAssertFalse(cut.contains("200"), "the slow request was answered: \(cut)")
        XCTAssertGreaterThan(closedAfter, 0.8)
        XCTAssertLessThan(closedAfter, 3, "the connection outlived the 1 s deadline")
        XCTAssertTrue(idle.peerClosed())
        let status = try await balancer.waitForExit(timeout: 5)
        XCTAssertEqual(status, 0, balancer.log)
    }

    func testSecondSigtermClosesEverythingAtOnce() async throws {
        let backends = try await startReplicas(1)
        let port = try FreePort.allocate()
        let balancer = try await start(listen: [port], servers: backends, shutdownTimeout: "30s")
        let connection = try RawHTTP(port: port, timeout: 8)
        connection.send("GET /api/slow?ms=5000 HTTP/1.1\r\nHost: t\r\n\r\n")
        try await waitForInFlight(1)
        balancer.send(SIGTERM)
        try await balancer.waitForLog("draining for up to")
        let signalled = Date()
        balancer.send(SIGTERM)
        let status = try await balancer.waitForExit(timeout: 5)
        XCTAssertEqual(status, 0, balancer.log)
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 3)
        XCTAssertTrue(balancer.log.contains("on a second signal"), balancer.log)
    }
}
