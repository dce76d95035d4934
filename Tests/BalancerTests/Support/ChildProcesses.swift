import NIOConcurrencyHelpers
import Foundation
import Shared
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Every child process the tests start goes through here, so none outlives its test and no wait for one is
/// unbounded: `Process.waitUntilExit()` waits forever for a child that ignores SIGTERM, is stopped (SIGSTOP) or is
/// never reaped, and one such wait stalls the whole run.
enum ChildProcesses {
    /// Children started and not yet stopped, by pid, with a name for messages.
    private static let running = NIOLockedValueBox<[Int32: String]>([:])

    /// Starts `process` and records it, so the time-limit watchdog can still kill it if its test overruns.
    static func launch(_ process: Process, name: String) throws {
        TestTimeLimit.install()
        try process.run()
        let pid = process.processIdentifier
        running.withLockedValue { $0[pid] = name }
    }

    /// Sends `signal` (and SIGCONT, so a paused child acts on it), waits up to `grace` seconds, then SIGKILL and
    /// up to five seconds more. Returns whether the child is gone; says so on stdout when it is not.
    @discardableResult
    static func stop(_ process: Process, name: String, signal: Int32 = SIGTERM, grace: TimeInterval = 5) -> Bool {
        let pid = process.processIdentifier
        defer { running.withLockedValue { _ = $0.removeValue(forKey: pid) } }
        guard pid > 0, !hasExited(process) else { return true }
        if signal != SIGKILL {
            kill(pid, signal)
            kill(pid, SIGCONT)
            if waitForExit(process, timeout: grace) { return true }
        }
        kill(pid, SIGKILL)
        if waitForExit(process, timeout: 5) { return true }
        print("warning: \(name) (pid \(pid)) still not gone 5 s after SIGKILL")
        return false
    }

    /// Polls (bounded) until the child has exited; false if it still runs after `timeout` seconds.
    static func waitForExit(_ process: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !hasExited(process) {
            guard Date() < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    /// Polls (bounded) until Foundation has reaped the child, after which `terminationStatus` may be read (before,
    /// it traps). False if that did not happen within `timeout` seconds.
    static func waitForReap(_ process: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }

    /// Exited, whether or not Foundation has reaped it yet: a zombie no longer runs anything, and waiting for the
    /// reap is what used to hang.
    static func hasExited(_ process: Process) -> Bool {
        guard process.isRunning else { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        // The state letter follows the parenthesised command name, which may itself contain spaces.
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first == "Z"
    }

    /// SIGKILLs every child still recorded: the watchdog's last act before it ends an overrunning run.
    static func killAll() {
        for (pid, name) in running.withLockedValue({ $0 }) {
            print("killing \(name) (pid \(pid))")
            kill(pid, SIGKILL)
        }
    }
}

/// A time limit for every test. XCTest on Linux has no per-test limit (`executionTimeAllowance` does not exist
/// there and `swift test` has no timeout option), so a hung test would stall the run until CI's own limit.
///
/// Installed by the first test that starts a child process or an in-process balancer, it then watches every
/// test that follows. A test past `TEST_CASE_TIME_LIMIT` seconds (default 300) is reported in XCTest's failure
/// format, its children are killed, and the run ends with status 1: a hung await cannot be cancelled from outside.
final class TestTimeLimit: NSObject, XCTestObservation, @unchecked Sendable {
    // @unchecked: the only mutable state is `current`, behind its lock.
    static let seconds: TimeInterval =
        ProcessInfo.processInfo.environment["TEST_CASE_TIME_LIMIT"].flatMap(TimeInterval.init) ?? 300
    private static let shared = TestTimeLimit()
    private static let installed = NIOLockedValueBox(false)
    /// The running test and when its time is up; nil between tests.
    private let current = NIOLockedValueBox<(name: String, deadline: Date)?>(nil)

    /// Idempotent. The test running when it is installed is bounded too, under a generic name.
    static func install() {
        let first = installed.withLockedValue { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        shared.arm("the test that installed the time limit")
        XCTestObservationCenter.shared.addTestObserver(shared)
        let watchdog = Thread { shared.watch() }
        watchdog.name = "test time limit"
        watchdog.start()
    }

    func testCaseWillStart(_ testCase: XCTestCase) { arm(testCase.name) }

    func testCaseDidFinish(_ testCase: XCTestCase) { current.withLockedValue { $0 = nil } }

    private func arm(_ name: String) {
        current.withLockedValue { $0 = (name, Date().addingTimeInterval(Self.seconds)) }
    }

    private func watch() {
        while true {
            Thread.sleep(forTimeInterval: 1)
            guard let running = current.withLockedValue({ $0 }), Date() > running.deadline else { continue }
            print("error: \(running.name) ran longer than \(Int(Self.seconds)) s (TEST_CASE_TIME_LIMIT); "
                + "killing its child processes and ending the run")
            ChildProcesses.killAll()
            // The line scripts/test.sh counts failed tests by.
            print("Test Case '\(running.name)' failed (\(Int(Self.seconds)) seconds).")
            fflush(nil)  // every stream: `stdout` itself is shared mutable state to Swift 6
            _exit(1)
        }
    }
}
