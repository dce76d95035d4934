import Foundation
import NIOCore
import NIOPosix
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Debian's dnsmasq answering from a hosts file on a free loopback UDP port: a real DNS server whose records a
/// test changes by rewriting the file and sending SIGHUP.
final class DnsmasqProcess: @unchecked Sendable {
    static let binary = "/usr/sbin/dnsmasq"
    let port: Int
    private let hostsFile: URL
    private let process = Process()

    /// Starts dnsmasq serving `records` (address → name) and waits (bounded) until it answers for `probeName`.
    init(records: [(String, String)], probeName: String) async throws {
        try Self.requireBinary()
        port = try FreePort.allocate()
        hostsFile = FileManager.default.temporaryDirectory.appendingPathComponent("hosts-\(UUID().uuidString)")
        try write(records)
        // The test process blocks SIGHUP and SIGTERM on its threads and children inherit that mask, which dnsmasq
        // keeps; python clears it before running dnsmasq, so the reload and stop signals below reach it.
        process.executableURL = URL(fileURLWithPath: Python.interpreter)
        process.arguments = [
            "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
                + "os.execv(sys.argv[1], sys.argv[1:])", Self.binary,
            "--no-daemon", "--port=\(port)", "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv",
            "--no-hosts", "--addn-hosts=\(hostsFile.path)", "--log-queries", "--pid-file=",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try ChildProcesses.launch(process, name: "dnsmasq")
        let expected = records.filter { $0.1 == probeName }.map(\.0).sorted()
        do {
            try await waitUntil("dnsmasq on port \(port) to answer \(probeName) with \(expected)") {
                try? await self.lookUp(probeName)
            } matches: { $0 == expected }
        } catch {
            stop()
            throw error
        }
    }

    /// Replaces the records and makes dnsmasq re-read them.
    func update(_ records: [(String, String)]) throws {
        try write(records)
        kill(process.processIdentifier, SIGHUP)
    }

    /// Looks `name` up through this server with the balancer's own UDP client.
    func lookUp(_ name: String) async throws -> [String] {
        let client = ResolverUDPClient(
            server: try SocketAddress(ipAddress: "127.0.0.1", port: port),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next(), timeout: .milliseconds(500))
        return try await client.resolve(name).sorted()
    }

    /// SIGTERM, then SIGKILL if it has not exited within two seconds; returns once it is gone (bounded).
    func stop() {
        ChildProcesses.stop(process, name: "dnsmasq", grace: 2)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: hostsFile)
    }

    private func write(_ records: [(String, String)]) throws {
        let text = records.map { "\($0.0) \($0.1)\n" }.joined()
        try text.write(to: hostsFile, atomically: true, encoding: .utf8)
        // dnsmasq drops root for `nobody` before it re-reads the file on SIGHUP.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: hostsFile.path)
    }

    /// Under CI a missing dnsmasq fails the test; elsewhere the test is skipped. Either way it says how to install.
    private static func requireBinary() throws {
        try ExternalProcess.require(
            ["test", "-x", binary], what: "dnsmasq (Debian's dnsmasq-base)", install: "bash scripts/install-deps.sh")
        try Python.require()
    }
}

/// Polls `value` until `matches` holds, at most `timeout` seconds; fails with `what` and the last value otherwise.
func waitUntil<T: Sendable>(
    _ what: String, timeout: TimeInterval = 10,
    _ value: @Sendable () async throws -> T, matches: (T) -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    var last: T?
    while Date() < deadline {
        let current = try await value()
        if matches(current) { return }
        last = current
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("waited \(Int(timeout)) s for \(what); last saw \(last.map { "\($0)" } ?? "nothing")")
}
