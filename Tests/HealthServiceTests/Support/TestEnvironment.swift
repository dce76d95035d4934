import XCTest

import Foundation

/// The throwaway PostgreSQL and Redis that `scripts/test.sh` starts, and how to stop and start them again.
///
/// Under `CI=true` their absence fails the test: a CI run that silently skipped the database tests would be green
/// for the wrong reason. Elsewhere the tests skip with a message saying how to run them.
struct TestEnvironment {
    var databaseURL: String
    var redisURL: String
    /// `scripts/lib/services-ctl.sh`, driven as `<ctl> <state dir> start|stop postgres|redis`.
    var controlScript: String
    var stateDirectory: String

    static func require() throws -> TestEnvironment {
        let variables = ProcessInfo.processInfo.environment
        if let databaseURL = variables["TEST_DATABASE_URL"], let redisURL = variables["TEST_REDIS_URL"],
            let controlScript = variables["TEST_SERVICES_CTL"], let stateDirectory = variables["TEST_SERVICES_DIR"]
        {
            return TestEnvironment(
                databaseURL: databaseURL, redisURL: redisURL, controlScript: controlScript,
                stateDirectory: stateDirectory)
        }
        let message =
            "TEST_DATABASE_URL, TEST_REDIS_URL, TEST_SERVICES_CTL and TEST_SERVICES_DIR are not set; "
            + "run the tests with `bash scripts/test.sh`, which starts PostgreSQL and Redis for them."
        if variables["CI"] == "true" { throw TestFailure("CI=true: \(message)") }
        throw XCTSkip(message)
    }

    /// Stops or starts one of the servers and waits until the control script says it is done.
    func control(_ action: String, _ server: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [controlScript, stateDirectory, action, server]
        try process.run()
        let deadline = ContinuousClock.now + .seconds(90)
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            throw TestFailure("`\(controlScript) \(action) \(server)` did not finish within 90 s")
        }
        guard process.terminationStatus == 0 else {
            throw TestFailure("`\(controlScript) \(action) \(server)` exited with \(process.terminationStatus)")
        }
    }
}

/// A test precondition that did not hold, with a message saying what.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
