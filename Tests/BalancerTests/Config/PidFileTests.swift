import Foundation
import XCTest

@testable import Balancer

/// `balancer reload` finds the running process through the pid file and refuses missing or stale ones.
final class PidFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pidfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func pidFile(containing contents: String) throws -> PidFile {
        let url = directory.appendingPathComponent("balancer.pid")
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return PidFile(path: url.path)
    }

    func testPidParsingRefusesWhatWouldSignalMoreThanOneProcess() {
        XCTAssertEqual(PidFile.pid(from: "4242\n"), 4242)
        XCTAssertNil(PidFile.pid(from: "0"))
        XCTAssertNil(PidFile.pid(from: "1"))
        XCTAssertNil(PidFile.pid(from: "-1"))
        XCTAssertNil(PidFile.pid(from: "abc"))
        XCTAssertNil(PidFile.pid(from: ""))
    }

    func testRunningProcessIsFound() throws {
        let file = try pidFile(containing: "4242\n")
        XCTAssertEqual(file.runningPid(probe: { _ in .running }), .success(4242))
    }

    func testMissingFile() {
        let path = directory.appendingPathComponent("absent.pid").path
        let result = PidFile(path: path).runningPid(probe: { _ in .running })
        XCTAssertEqual(result, .failure(.missing(path: path)))
        XCTAssertTrue(PidFile.Problem.missing(path: path).message.contains("does not exist"))
    }

    func testStaleFileNamesTheDeadProcess() throws {
        let file = try pidFile(containing: "4242")
        let result = file.runningPid(probe: { _ in .gone })
        XCTAssertEqual(result, .failure(.stale(path: file.path, pid: 4242)))
        XCTAssertEqual(
            PidFile.Problem.stale(path: "balancer.pid", pid: 4242).message,
            "balancer.pid names process 4242, which is not running; the balancer has stopped without removing it, "
                + "so start it again with balancer serve")
    }

    func testGarbledFileAndForeignProcess() throws {
        let garbled = try pidFile(containing: "hello")
        XCTAssertEqual(
            garbled.runningPid(probe: { _ in .running }), .failure(.malformed(path: garbled.path, contents: "hello")))
        let foreign = try pidFile(containing: "4242")
        XCTAssertEqual(
            foreign.runningPid(probe: { _ in .notPermitted }), .failure(.notPermitted(path: foreign.path, pid: 4242)))
    }

    func testProbeSeesThisProcess() {
        XCTAssertEqual(PidFile.probe(getpid()), .running)
    }
}
