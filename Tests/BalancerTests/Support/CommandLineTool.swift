import Foundation
import XCTest

/// Runs a command-line client (curl, openssl) to completion with a deadline and keeps what a test compares: the exit
/// status, standard output and standard error. Unlike `ExternalProcess.run`, a non-zero status is a result, not a
/// failure: refused handshakes are what some tests expect.
enum CommandLineTool {
    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ arguments: [String], input: String? = nil, timeout: TimeInterval = 30) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)")
        let outURL = files.appendingPathExtension("out")
        let errURL = files.appendingPathExtension("err")
        for url in [outURL, errURL] { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        defer { for url in [outURL, errURL] { try? FileManager.default.removeItem(at: url) } }
        let output = try FileHandle(forWritingTo: outURL)
        let errors = try FileHandle(forWritingTo: errURL)
        defer {
            try? output.close()
            try? errors.close()
        }
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try ChildProcesses.launch(process, name: arguments[0])
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        guard ChildProcesses.waitForExit(process, timeout: timeout) else {
            ChildProcesses.stop(process, name: arguments[0], grace: 1)
            throw TestFailure("\(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        guard ChildProcesses.waitForReap(process, timeout: 5) else {
            throw TestFailure("\(arguments[0]) exited but was not reaped within 5 s")
        }
        return Outcome(
            status: process.terminationStatus,
            output: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            errors: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// curl and openssl, which the TLS tests drive; missing, the test fails under CI and is skipped elsewhere.
    static func requireCurlAndOpenSSL() throws {
        try ExternalProcess.require(["curl", "--version"], what: "curl", install: "bash scripts/install-deps.sh")
        try ExternalProcess.require(
            ["openssl", "version"], what: "openssl", install: "bash scripts/install-deps.sh openssl")
    }
}
