import Foundation
import Shared
import XCTest

/// The `health-service` executable as the balancer's tests and `scripts/run-local.sh` run it.
final class ProcessTests: XCTestCase {
    /// The executable SwiftPM built next to the test bundle.
    private func executable() throws -> URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        if directory.path.hasSuffix(".xctest/Contents/MacOS") {
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        let candidate = directory.appendingPathComponent("health-service")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw XCTSkip("health-service is not built next to the tests (\(candidate.path)); run swift build first.")
        }
        return candidate
    }

    /// A launched replica whose stdout and stderr go to files the test reads as they grow.
    ///
    /// Files rather than pipes: nothing has to drain them, so a chatty replica can never block on a full pipe.
    private final class Launched: @unchecked Sendable {
        let process = Process()
        private let directory: URL

        init(executable: URL, arguments: [String], environment: [String: String]) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("health-service-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("out").path, contents: nil)
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("err").path, contents: nil)
            process.executableURL = executable
            process.arguments = arguments
            process.environment = environment
            process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("out"))
            process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("err"))
            try process.run()
        }

        deinit {
            if process.isRunning { process.terminate() }
            try? FileManager.default.removeItem(at: directory)
        }

        private func read(_ name: String) -> String {
            (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }

        var output: String { read("out") }
        var errors: String { read("err") }

        /// Waits for the process to end; kills it if it outlives `limit`.
        func exitStatus(within limit: Duration) async throws -> Int32 {
            let deadline = ContinuousClock.now + limit
            for _ in 0..<100_000 where process.isRunning && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            if process.isRunning {
                process.terminate()
                throw TestFailure("health-service still ran after \(limit); output: \(output) \(errors)")
            }
            return process.terminationStatus
        }

        /// The port from the `listening address=host:port` log line.
        func boundPort(within limit: Duration) async throws -> Int {
            let deadline = ContinuousClock.now + limit
            for _ in 0..<100_000 where ContinuousClock.now < deadline && process.isRunning {
                if let line = output.split(separator: "\n").first(where: { $0.contains(" listening address=") }),
                    let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
                    let port = address.split(separator: ":").last.flatMap({ Int($0) })
                {
                    return port
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw TestFailure("no `listening` line within \(limit); output: \(output) \(errors)")
        }
    }

    func testBadValueExitsWithStatus2AndOneLine() async throws {
        let launched = try Launched(
            executable: try executable(),
            arguments: [],
            environment: ["PORT": "eighty", "PATH": "/usr/bin:/bin"]
        )
        let status = try await launched.exitStatus(within: .seconds(20))
        XCTAssertEqual(status, 2)
        let lines = launched.errors.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, launched.errors)
        XCTAssertTrue(launched.errors.hasPrefix("health-service: PORT: \"eighty\""), launched.errors)
    }

    func testPortInUseExitsWithStatus1AndSaysWhatToDo() async throws {
        let environment = [
            "HOST": "127.0.0.1", "DATABASE_URL": "postgresql://u@127.0.0.1:1/d", "REDIS_URL": "redis://127.0.0.1:1",
            "PATH": "/usr/bin:/bin",
        ]
        let first = try Launched(
            executable: try executable(),
            arguments: ["--port", "0"],
            environment: environment
        )
        let port = try await first.boundPort(within: .seconds(20))
        let second = try Launched(
            executable: try executable(),
            arguments: ["--port", "\(port)"],
            environment: environment
        )
        let status = try await second.exitStatus(within: .seconds(20))
        XCTAssertEqual(status, 1)
        let lines = second.errors.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, second.errors)
        XCTAssertTrue(
            second.errors.hasPrefix("health-service: cannot listen on 127.0.0.1:\(port): the port is already in use; stop the process holding it"),
            second.errors
        )
        first.process.terminate()
        let firstStatus = try await first.exitStatus(within: .seconds(35))
        XCTAssertEqual(firstStatus, 0)
    }

    func testFlagOverridesAndGracefulStopFinishesRequestsInFlight() async throws {
        let launched = try Launched(
            executable: try executable(),
            arguments: ["--port", "0", "--host", "127.0.0.1", "--instance-id", "backend-proc"],
            environment: [
                "PORT": "1", "INSTANCE_ID": "from-env", "DATABASE_URL": "postgresql://u@127.0.0.1:1/d",
                "REDIS_URL": "redis://127.0.0.1:1", "PATH": "/usr/bin:/bin",
            ]
        )
        let port = try await launched.boundPort(within: .seconds(20))
        let base = "http://127.0.0.1:\(port)"
        let instance = try await HTTPTestClient.send("GET", base + "/api/instance")
        XCTAssertEqual(try instance.json["instance_id"] as? String, "backend-proc")
        XCTAssertEqual(instance.header("X-Instance-Id"), "backend-proc")

        async let slow = HTTPTestClient.send("GET", base + "/api/slow?ms=800")
        let accessLine = try await waitForOutput(launched, containing: "GET /api/instance 200")
        XCTAssertTrue(accessLine.contains("instance=backend-proc"), accessLine)
        try await Task.sleep(for: .milliseconds(200))  // let the slow request reach the handler before stopping
        launched.process.terminate()  // SIGTERM
        let finished = try await slow
        XCTAssertEqual(finished.status, 200, "a request in flight completes during graceful shutdown")
        let status = try await launched.exitStatus(within: .seconds(35))
        XCTAssertEqual(status, 0, launched.output + launched.errors)
    }

    private func waitForOutput(_ launched: Launched, containing text: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(10)
        for _ in 0..<10_000 where ContinuousClock.now < deadline {
            if let line = launched.output.split(separator: "\n").first(where: { $0.contains(text) }) {
                return String(line)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("no output line containing \(text): \(launched.output)")
    }
}
