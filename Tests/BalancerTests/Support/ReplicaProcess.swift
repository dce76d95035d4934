import AsyncHTTPClient
import Foundation
import NIOCore
import XCTest

/// A real `health-service` replica started as a child process on a free loopback port, for loopback tests.
final class ReplicaProcess: @unchecked Sendable {
    let instanceID: String
    let port: Int
    /// The loopback address it listens on; other 127.0.0.0/8 addresses let two replicas share a port.
    let host: String
    private let process: Process
    private let output: Pipe

    /// The package root, found from this file's path.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: URL {
        let env = ProcessInfo.processInfo.environment["HEALTH_SERVICE_BINARY"]
        return env.map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent(".build/debug/health-service")
    }

    /// Starts a replica and waits (bounded) until `/health` answers.
    init(
        instanceID: String, port: Int? = nil, host: String = "127.0.0.1", extraEnvironment: [String: String] = [:]
    ) async throws {
        self.instanceID = instanceID
        self.host = host
        self.port = try port ?? FreePort.allocate()
        process = Process()
        process.executableURL = ReplicaProcess.binary
        process.arguments = ["--host", host, "--port", String(self.port), "--instance-id", instanceID]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extraEnvironment { environment[key] = value }
        process.environment = environment
        output = Pipe()
        process.standardOutput = output
        process.standardError = output
        // Drain the pipe so a chatty replica never blocks on a full pipe.
        output.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
        try ChildProcesses.launch(process, name: "replica \(instanceID)")
        do {
            try await waitUntilHealthy()
        } catch {
            // The caller never gets an object to stop: end the child here.
            stop()
            throw error
        }
    }

    var address: String { "\(host):\(port)" }
    var isRunning: Bool { process.isRunning }
    /// The child's process id, for signals other than the ones below (see ReplicaProcess+Signals.swift).
    var pid: Int32 { process.processIdentifier }

    private func waitUntilHealthy() async throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning { throw TestFailure("replica \(instanceID) exited with \(process.terminationStatus)") }
            if await RawHTTP.isListening(port: port, host: host) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("replica \(instanceID) did not listen on \(port) within 20 s")
    }

    /// SIGKILL, as a crash would; returns once it has exited (bounded).
    func kill() {
        ChildProcesses.stop(process, name: "replica \(instanceID)", signal: SIGKILL)
    }

    /// SIGTERM, then SIGKILL if it has not exited within five seconds (a paused replica is resumed first).
    func stop() {
        ChildProcesses.stop(process, name: "replica \(instanceID)")
    }

    deinit {
        output.fileHandleForReading.readabilityHandler = nil
        ChildProcesses.stop(process, name: "replica \(instanceID)", grace: 2)
    }
}

/// A failure raised by test support, with a sentence saying what went wrong.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
