import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

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

    // MARK: - The config record beside the pid file

    func testConfigRecordRoundTripsAndBelongsToItsProcess() throws {
        let pidPath = directory.appendingPathComponent("balancer.pid").path
        let record = PidFile.ConfigRecord(pid: 4242, configPath: "/etc/balancer/balancer.yaml")
        try record.write(besidePidFile: pidPath)
        XCTAssertEqual(
            try String(contentsOfFile: pidPath + ".config", encoding: .utf8), "4242\n/etc/balancer/balancer.yaml\n")
        XCTAssertEqual(PidFile.ConfigRecord.read(besidePidFile: pidPath, pid: 4242), record)
        // A record left by another process (killed, or sharing the pid file) is not this process's.
        XCTAssertNil(PidFile.ConfigRecord.read(besidePidFile: pidPath, pid: 4343))
        PidFile.ConfigRecord(pid: 4343, configPath: "/other.yaml").remove(besidePidFile: pidPath)
        XCTAssertTrue(FileManager.default.fileExists(atPath: pidPath + ".config"))
        record.remove(besidePidFile: pidPath)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pidPath + ".config"))
    }

    func testConfigRecordRefusesWhatIsNotAPidAndAnAbsolutePath() {
        XCTAssertNil(PidFile.ConfigRecord.parse("4242\nconfig/balancer.yaml\n"))
        XCTAssertNil(PidFile.ConfigRecord.parse("1\n/etc/balancer.yaml\n"))
        XCTAssertNil(PidFile.ConfigRecord.parse("4242"))
    }

    func testThisProcessRecordsAnAbsolutePath() {
        let record = PidFile.ConfigRecord.forThisProcess(configPath: "config/../config/balancer.yaml")
        XCTAssertEqual(record.pid, getpid())
        XCTAssertEqual(record.configPath, FileManager.default.currentDirectoryPath + "/config/balancer.yaml")
    }

    func testProbeSeesThisProcess() {
        XCTAssertEqual(PidFile.probe(getpid()), .running)
    }
}
