import NIOConcurrencyHelpers
import Foundation
import Shared
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The balancer as a real child process (`balancer serve --config F`), for what only a process shows: signals,
/// the pid file, the log it writes and its exit status. Its config lives in a temporary directory of its own.
final class BalancerProcess: @unchecked Sendable {
    let directory: URL
    let configPath: String
    private let process = Process()
    private let output = Pipe()
    private let captured = NIOLockedValueBox("")

    static var binary: URL {
        let env = ProcessInfo.processInfo.environment["BALANCER_BINARY"]
        return env.map { URL(fileURLWithPath: $0) }
            ?? ReplicaProcess.packageRoot.appendingPathComponent(".build/debug/balancer")
    }

    /// Writes `yaml` as the config and starts the balancer; returns once it logged that it started (bounded).
    init(yaml: String) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("balancer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configPath = directory.appendingPathComponent("balancer.yaml").path
        try writeConfig(yaml)
        process.executableURL = BalancerProcess.binary
        process.arguments = ["serve", "--config", configPath]
        process.standardOutput = output
        process.standardError = output
        let captured = self.captured
        output.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            captured.withLockedValue { $0 += text }
        }
        try ChildProcesses.launch(process, name: "balancer")
        do {
            try await waitForLog("balancer started", timeout: 20)
        } catch {
            stop()
            throw error
        }
    }

    /// The pid file path tests put in their configs.
    var pidFilePath: String { directory.appendingPathComponent("balancer.pid").path }
    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    /// Everything the process wrote to stdout and stderr so far.
    var log: String { captured.withLockedValue { $0 } }

    /// Replaces the config file (atomically, as an editor or a deploy would).
    func writeConfig(_ yaml: String) throws {
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func send(_ signal: Int32) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }

    /// Sends SIGHUP and waits for reload number `number` to be logged as applied or refused; returns that line.
    @discardableResult
    func reload(expecting number: Int, timeout: TimeInterval = 10) async throws -> String {
        send(SIGHUP)
        let line = try await waitForLine(timeout: timeout) {
            $0.contains("reload #\(number) applied") || $0.contains("reload #\(number) refused")
        }
        return line
    }

    /// Waits until a line containing `text` was logged; throws with the log so far after `timeout` seconds.
    @discardableResult
    func waitForLog(_ text: String, timeout: TimeInterval = 10) async throws -> String {
        try await waitForLine(timeout: timeout) { $0.contains(text) }
    }

    private func waitForLine(timeout: TimeInterval, _ matches: (Substring) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = log.split(separator: "\n").first(where: matches) { return String(line) }
            if !process.isRunning, log.split(separator: "\n").first(where: matches) == nil {
                throw TestFailure("balancer exited with \(process.terminationStatus) before logging it; log:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestFailure("balancer did not log the expected line within \(timeout) s; log:\n\(log)")
    }

    /// Waits for the process to exit; returns its status, or throws after `timeout` seconds.
    func waitForExit(timeout: TimeInterval) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                throw TestFailure("balancer still running after \(timeout) s; log:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Kills the process if it still runs (bounded wait) and removes its directory; every test ends its balancer
    /// this way.
    func stop() {
        ChildProcesses.stop(process, name: "balancer", signal: SIGKILL)
        output.fileHandleForReading.readabilityHandler = nil
        try? FileManager.default.removeItem(at: directory)
    }
}
