import Foundation
import NIOCore
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

@testable import Balancer
@testable import BalancerCore

/// Every request answered before the balancer exits is in its access log: the writer's queue rules without
/// threads, and a real balancer process taking requests and SIGTERM right after, several times over.
final class AccessLogShutdownTests: XCTestCase {
    private func batch(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    func testClosingKeepsQueuedBatchesAndFinishesOnlyWhenEmpty() {
        var queue = AccessLogQueue()
        XCTAssertFalse(queue.hasWork)
        XCTAssertTrue(queue.enqueue(batch("a\n")))
        XCTAssertTrue(queue.enqueue(batch("b\n")))
        queue.close()
        XCTAssertTrue(queue.hasWork)
        XCTAssertEqual(queue.next(), .write([batch("a\n"), batch("b\n")]), "queued batches are written, in order")
        XCTAssertTrue(queue.hasWork, "a closed queue still wakes the writer, to finish")
        XCTAssertEqual(queue.next(), .finish)
        XCTAssertFalse(queue.enqueue(batch("late\n")), "nothing is taken after close")
        XCTAssertEqual(queue.next(), .finish)
    }

    func testWriterShutdownWritesEverySubmittedBatch() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("access-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        for round in 0..<20 {
            let writer = try XCTUnwrap(try AccessLogWriter(target: .file(path)))
            for line in 0..<50 { writer.submit(batch("round \(round) line \(line)\n")) }
            writer.shutdown()
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 20 * 50)
        XCTAssertEqual(lines.last, "round 19 line 49")
    }

    /// The report's case: a few requests, then SIGTERM at once. Repeated, as the loss was a race (7 of 20 runs).
    func testEveryAnsweredRequestIsLoggedWhenTerminatedRightAfter() async throws {
        let upstream = try await FakeUpstream(.status(200))
        let runs = 60  // about 0.1 s each; the old race lost lines in one run in ten to four
        let requests = 3
        var lost: [String] = []
        let started = Date()
        for run in 1...runs {
            // Bounded: a hang anywhere fails the test instead of stalling the run.
            guard Date().timeIntervalSince(started) < 60 else { throw TestFailure("runs took over 60 s") }
            let port = try FreePort.allocate()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let logPath = directory.appendingPathComponent("access.log").path
            let balancer = try await BalancerProcess(yaml: """
                listen: [127.0.0.1:\(port)]
                workers: 2
                access_log: \(logPath)
                upstreams:
                  backend:
                    servers: [\(upstream.address)]
                routes:
                  - {prefix: /, upstream: backend}
                """)
            defer { balancer.stop() }
            for index in 0..<requests {
                let client = try RawHTTP(port: port)
                client.send("GET /run-\(run)/\(index) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                let answer = client.receive()
                XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), "run \(run) request \(index): \(answer)")
            }
            balancer.send(SIGTERM)
            let status = try await balancer.waitForExit(timeout: 15)
            XCTAssertEqual(status, 0, balancer.log)
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let logged = text.split(separator: "\n").filter { $0.contains("/run-\(run)/") }.count
            if logged != requests { lost.append("run \(run): \(logged) of \(requests) lines") }
        }
        await upstream.shutdown()
        XCTAssertEqual(lost, [], "lines lost on SIGTERM in \(lost.count) of \(runs) runs")
    }
}
