import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The status page as an operator watches it during a drill: one page, opened once in headless Chromium, shows a
/// killed server's new state through its own 2-second refresh — no reload (a mark set on the page survives).
final class StatusPageLiveTests: XCTestCase {
    private static let script = ReplicaProcess.packageRoot
        .appendingPathComponent("Tests/BalancerTests/Admin/Tools/cdp_page.py").path

    func testOpenPageShowsAKilledServerWithoutReloading() async throws {
        try Chromium.require()
        try Python.require()
        var replicas: [ReplicaProcess] = []
        for index in 1...3 { replicas.append(try await ReplicaProcess(instanceID: "live-\(index)")) }
        defer { for replica in replicas { replica.stop() } }
        let harness = try await BalancerHarness(
            yaml: """
                upstreams:
                  backend:
                    servers: [\(replicas.map(\.address).joined(separator: ", "))]
                    health_check: {path: /health, interval: 300ms, timeout: 250ms, rise: 1, fall: 1}
                routes:
                  - {prefix: /, upstream: backend}
                """
        )
        let devtoolsPort = try FreePort.allocate()
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        browser.arguments = [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=\(devtoolsPort)",
            "--user-data-dir=\(FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path)",
            harness.adminURL + "/status",
        ]
        browser.standardOutput = FileHandle.nullDevice
        browser.standardError = FileHandle.nullDevice
        try ChildProcesses.launch(browser, name: "chromium")
        defer { ChildProcesses.stop(browser, name: "chromium") }

        // The page is up once the DevTools endpoint answers and the three rows are rendered from /status.json.
        let rows = "String(document.querySelectorAll('[data-server]').length)"
        try waitForPage(devtoolsPort, expression: rows, expected: "3")
        _ = try ExternalProcess.run([Python.interpreter, Self.script, "mark", String(devtoolsPort)], timeout: 20)

        let killed = replicas[1].address
        replicas[1].kill()
        let state = "(document.querySelector('[data-server=\"backend/\(killed)\"]') || {dataset: {}}).dataset.state"
        let result = try ExternalProcess.run(
            [Python.interpreter, Self.script, "wait", String(devtoolsPort), state, "unhealthy|ejected"],
            timeout: 40
        )
        XCTAssertTrue(result.contains("\"mark\": \"kept\""), "the page was not reloaded: \(result)")
        XCTAssertTrue(result.contains("unhealthy") || result.contains("ejected"), result)
        await harness.shutdown()
    }

    /// Polls (bounded) until DevTools answers and `expression` evaluates to `expected` on the open page.
    private func waitForPage(_ port: Int, expression: String, expected: String) throws {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let arguments = [Python.interpreter, Self.script, "wait", String(port), expression, expected, "--no-mark"]
            if (try? ExternalProcess.run(arguments, timeout: 25)) != nil { return }
            Thread.sleep(forTimeInterval: 0.3)
        }
        throw TestFailure("DevTools on \(port) did not answer, or the page never showed \(expected) for \(expression)")
    }
}
