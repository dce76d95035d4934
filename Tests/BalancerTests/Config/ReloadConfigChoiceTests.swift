import XCTest

@testable import Balancer
@testable import BalancerCore

/// `balancer reload` validates the config the running balancer re-reads on SIGHUP, whatever `--config` says.
final class ReloadConfigChoiceTests: XCTestCase {
    private let same: (String, String) -> Bool = { $0 == $1 }

    func testTheRecordedConfigIsCheckedWhenNoneIsNamed() {
        XCTAssertEqual(
            ReloadCommand.choose(requested: nil, fallback: "config/balancer.yaml", recorded: "/srv/local.yaml",
                                 sameFile: same),
            .check("/srv/local.yaml"))
    }

    func testNamingTheRunningConfigChecksIt() {
        XCTAssertEqual(
            ReloadCommand.choose(requested: "/srv/local.yaml", fallback: "/srv/local.yaml", recorded: "/srv/local.yaml",
                                 sameFile: same),
            .check("/srv/local.yaml"))
    }

    func testNamingAnotherConfigIsRefused() {
        XCTAssertEqual(
            ReloadCommand.choose(requested: "config/balancer.yaml", fallback: "config/balancer.yaml",
                                 recorded: "/srv/local.yaml", sameFile: same),
            .mismatch(requested: "config/balancer.yaml", running: "/srv/local.yaml"))
    }

    func testWithoutARecordTheFileThePidFileCameFromIsChecked() {
        XCTAssertEqual(
            ReloadCommand.choose(requested: nil, fallback: "config/balancer.yaml", recorded: nil, sameFile: same),
            .check("config/balancer.yaml"))
        XCTAssertEqual(ReloadCommand.choose(requested: nil, fallback: nil, recorded: nil, sameFile: same), .nothing)
    }

    func testSameFileResolvesRelativePathsAndLinks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("same-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("balancer.yaml")
        try "listen: []\n".write(to: file, atomically: true, encoding: .utf8)
        let link = directory.appendingPathComponent("link.yaml")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
        XCTAssertTrue(ReloadCommand.sameFile(link.path, file.path))
        XCTAssertTrue(ReloadCommand.sameFile(directory.path + "/./balancer.yaml", file.path))
        XCTAssertFalse(ReloadCommand.sameFile(directory.appendingPathComponent("other.yaml").path, file.path))
    }
}
