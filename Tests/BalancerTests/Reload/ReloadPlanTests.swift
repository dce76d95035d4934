import Foundation
import Logging
import XCTest

@testable import Balancer
@testable import BalancerCore

/// What a reload opens, closes, applies and leaves for a restart, decided from two configs alone.
final class ReloadPlanTests: XCTestCase {
    private let base = """
        listen: [127.0.0.1:8080]
        workers: 2
        access_log: stdout
        upstreams:
          backend:
            servers: [127.0.0.1:8001, 127.0.0.1:8002]
        routes:
          - {prefix: /, upstream: backend}
        """

    private func plan(_ edit: (String) -> String) throws -> ReloadPlan {
        let running = try XCTUnwrap(ConfigFixture.parse(base))
        let loaded = try XCTUnwrap(ConfigFixture.parse(edit(base)))
        return ReloadPlan(running: running, loaded: loaded)
    }

    func testSameFileIsANoOp() throws {
        let plan = try plan { $0 }
        XCTAssertTrue(plan.isNoOp)
        XCTAssertEqual(plan.listenersToOpen, [])
        XCTAssertEqual(plan.listenersToClose, [])
        XCTAssertEqual(plan.needsRestart, [])
    }

    func testListenersAddedAndRemovedAreOpenedAndClosed() throws {
        let plan = try plan {
            $0.replacingOccurrences(of: "[127.0.0.1:8080]", with: "[127.0.0.1:8081, 127.0.0.1:8082]")
        }
        XCTAssertEqual(plan.listenersToOpen, [8081, 8082].map { HostPort(host: "127.0.0.1", port: $0) })
        XCTAssertEqual(plan.listenersToClose, [HostPort(host: "127.0.0.1", port: 8080)])
        XCTAssertEqual(plan.effective.listen.count, 2)
    }

    func testServersAreTakenFromTheNewFile() throws {
        let plan = try plan { $0.replacingOccurrences(of: "127.0.0.1:8002]", with: "127.0.0.1:8002, 127.0.0.1:8003]") }
        XCTAssertEqual(plan.effective.upstreams[0].servers.map(\.address.port), [8001, 8002, 8003])
        XCTAssertTrue(plan.diff.summary.hasPrefix("upstream backend +127.0.0.1:8003"), plan.diff.summary)
        XCTAssertEqual(plan.needsRestart, [])
    }

    func testWorkersAndAccessLogWaitForARestartWhileTheRestApplies() throws {
        let plan = try plan {
            $0.replacingOccurrences(of: "workers: 2", with: "workers: 4")
                .replacingOccurrences(of: "access_log: stdout", with: "access_log: off")
                .replacingOccurrences(of: "127.0.0.1:8002]", with: "127.0.0.1:8009]")
        }
        XCTAssertEqual(plan.needsRestart, ["workers", "access_log"])
        XCTAssertEqual(plan.effective.workers, 2, "the running loop count stays")
        XCTAssertEqual(plan.effective.accessLog, .stdout, "the running access log stays")
        XCTAssertEqual(plan.effective.upstreams[0].servers.map(\.address.port), [8001, 8009])
    }

    func testAnotherReloadOfTheSameFileStillReportsTheRestartOnlyChange() throws {
        let running = try XCTUnwrap(ConfigFixture.parse(base))
        let loaded = try XCTUnwrap(ConfigFixture.parse(base.replacingOccurrences(of: "workers: 2", with: "workers: 8")))
        let first = ReloadPlan(running: running, loaded: loaded)
        let second = ReloadPlan(running: first.effective, loaded: loaded)
        XCTAssertEqual(second.needsRestart, ["workers"])
    }

    func testStatusCountsAppliedAndRefusedReloads() {
        var status = ReloadStatus()
        XCTAssertEqual(status.attempts, 0)
        status.recordApplied(generation: 2, at: Date(timeIntervalSince1970: 10))
        status.recordRefused(reason: "a.yaml:3: workers: bad", at: Date(timeIntervalSince1970: 20))
        XCTAssertEqual(status.generation, 2)
        XCTAssertEqual(status.loadedAt, Date(timeIntervalSince1970: 10))
        XCTAssertEqual(status.reloadsApplied, 1)
        XCTAssertEqual(status.reloadsRefused, 1)
        XCTAssertEqual(status.attempts, 2)
        XCTAssertEqual(status.lastRefusedReason, "a.yaml:3: workers: bad")
        XCTAssertEqual(status.lastRefusedAt, Date(timeIntervalSince1970: 20))
    }
}

/// An invalid file on reload changes nothing: refused with its errors (file and line), counted, and the running
/// configuration and generation stay. The same rule ReloadProcessTests checks through a real process and SIGHUP,
/// here with a server that never opens a socket.
final class ConfigReloaderRefusalTests: XCTestCase {
    func testInvalidFileIsRefusedAndTheRunningConfigurationStays() async throws {
        let valid = """
            listen: [127.0.0.1:8080]
            workers: 1
            access_log: off
            upstreams:
              backend:
                servers: [127.0.0.1:8001]
            routes:
              - {prefix: /, upstream: backend}
            """
        let running = try XCTUnwrap(ConfigFixture.parse(valid))
        let server = try BalancerServer(config: running, logger: Logger(label: "test"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: path) }
        // Valid servers added, then an invalid value further down: nothing of the file may be applied.
        let broken = valid.replacingOccurrences(
            of: "servers: [127.0.0.1:8001]", with: "servers: [127.0.0.1:8001, 127.0.0.1:8002]\n    max_fails: three")
        try broken.write(to: path, atomically: true, encoding: .utf8)

        let outcome = await ConfigReloader(server: server, path: path.path, logger: Logger(label: "test")).reload()
        guard case .refused(let number, let errors) = outcome else {
            await server.shutdown(timeout: .zero)
            return XCTFail("an invalid file was applied: \(outcome)")
        }
        XCTAssertEqual(number, 1)
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertTrue(errors.first?.hasPrefix("\(path.path):7: upstreams.backend.max_fails:") ?? false, "\(errors)")
        XCTAssertEqual(server.snapshot.config, running, "the running configuration is untouched")
        XCTAssertEqual(server.snapshot.generation, 1)
        XCTAssertEqual(server.snapshot.groups[0].servers.map(\.name), ["127.0.0.1:8001"])
        XCTAssertEqual(server.reloadsRefused, 1)
        XCTAssertEqual(server.reloadsApplied, 0)
        XCTAssertEqual(server.lastRefusedReason, errors.first)
        await server.shutdown(timeout: .zero)
    }
}
