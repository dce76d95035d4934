import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The replica's access log keeps every request answered before SIGTERM. Its lines wait in per-loop batches and a
/// writer thread's queue (`LoopLogBatch`, `BatchedLogWriter`); the replica writes them out after its server drained
/// (`AccessLogService`), and this guards that, as the balancer's buffered log once lost lines at exit.
final class ReplicaAccessLogShutdownTests: XCTestCase {
    /// The executable SwiftPM built next to the test bundle.
    private func executable() throws -> URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidate = testBinary.deletingLastPathComponent().appendingPathComponent("health-service")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw XCTSkip("health-service is not built next to the tests (\(candidate.path)); run swift build first.")
        }
        return candidate
    }

    func testEveryAnsweredRequestIsLoggedWhenTerminatedRightAfter() async throws {
        let binary = try executable()
        let runs = 10
        let requests = 3
        var lost: [String] = []
        let started = ContinuousClock.now
        for run in 1...runs {
            guard ContinuousClock.now - started < .seconds(60) else { throw TestFailure("runs took over 60 s") }
            let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("replica-\(UUID()).log")
            _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: outputURL) }
            let process = Process()
            process.executableURL = binary
            process.arguments = ["--port", "0", "--host", "127.0.0.1", "--instance-id", "log-\(run)"]
            process.environment = ["PATH": "/usr/bin:/bin"]
            process.standardOutput = try FileHandle(forWritingTo: outputURL)
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let output = { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

            let port = try await boundPort(output, process: process)
            for _ in 0..<requests {
                let response = try await HTTPTestClient.send("GET", "http://127.0.0.1:\(port)/api/instance")
                XCTAssertEqual(response.status, 200)
            }
            process.terminate()  // SIGTERM
            let deadline = ContinuousClock.now + .seconds(35)
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            XCTAssertFalse(process.isRunning, "replica still running 35 s after SIGTERM")
            let logged = output().split(separator: "\n").filter { $0.contains("GET /api/instance 200") }.count
            if logged != requests { lost.append("run \(run): \(logged) of \(requests) lines") }
        }
        XCTAssertEqual(lost, [], "lines lost on SIGTERM in \(lost.count) of \(runs) runs")
    }

    /// The port from the replica's `listening address=127.0.0.1:N` line (bounded).
    private func boundPort(_ output: () -> String, process: Process) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline && process.isRunning {
            if let line = output().split(separator: "\n").first(where: { $0.contains(" listening address=") }),
                let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
                let port = address.split(separator: ":").last.flatMap({ Int($0) })
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("no `listening` line within 20 s: \(output())")
    }
}
