import Foundation
import XCTest

/// Runs a program to completion with a deadline, returning its standard output. `arguments[0]` is looked up on
/// PATH unless it is a path.
enum ExternalProcess {
    static func run(_ arguments: [String], input: String? = nil, timeout: TimeInterval = 60) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        // Output goes to a file, so a large DOM never blocks the child on a full pipe.
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = stdin
        try ChildProcesses.launch(process, name: arguments[0])
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        guard ChildProcesses.waitForExit(process, timeout: timeout) else {
            ChildProcesses.stop(process, name: arguments[0], grace: 1)
            throw TestFailure("\(arguments[0]) did not finish within \(Int(timeout)) s")
        }
        ChildProcesses.stop(process, name: arguments[0])
        // The status exists only once Foundation has reaped the child, a moment after the kernel shows it exited;
        // reading it earlier traps.
        guard ChildProcesses.waitForReap(process, timeout: 5) else {
            throw TestFailure("\(arguments[0]) exited but was not reaped within 5 s")
        }
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }

    /// Tests never install anything: when `check` fails, a test fails under CI (`CI=true`) and is skipped
    /// elsewhere, both with the command that installs `what` (run from the package root).
    static func require(_ check: [String], what: String, install: String) throws {
        if (try? run(check, timeout: 30)) != nil { return }
        let message = "\(what) is not available; install it with `\(install)`"
        if ProcessInfo.processInfo.environment["CI"] == "true" { throw TestFailure(message + " (required under CI)") }
        throw XCTSkip(message)
    }
}

/// The Python the tests run: Debian's own `/usr/bin/python3`, which sees the Debian packages
/// scripts/install-deps.sh installs (python3-prometheus-client). A `python3` found first on PATH (pyenv, a virtual
/// environment) would not see them. `TEST_PYTHON` names another interpreter.
enum Python {
    static let interpreter: String = ProcessInfo.processInfo.environment["TEST_PYTHON"]
        ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3")

    /// The interpreter, and the modules a test needs from it.
    static func require(modules: [String] = [], packages: [String] = []) throws {
        let imports = modules.isEmpty ? "pass" : "import " + modules.joined(separator: ", ")
        let install = (["bash scripts/install-deps.sh"] + (packages.isEmpty ? ["python3"] : packages))
            .joined(separator: " ")
        let what = modules.isEmpty ? "python3" : "\(modules.joined(separator: ", ")) for \(interpreter)"
        try ExternalProcess.require([interpreter, "-c", imports], what: what, install: install)
    }
}

/// Parses Prometheus text with the reference parser (`prometheus_client.parser`).
struct PrometheusParser {
    /// (name, labels, value) of every sample.
    var samples: [(name: String, labels: [String: String], value: Double)]

    /// Debian's python3-prometheus-client for Debian's python3 (see `Python`); call before starting anything.
    static func require() throws {
        try Python.require(modules: ["prometheus_client"], packages: ["python3-prometheus-client"])
    }

    static func parse(_ text: String) throws -> PrometheusParser {
        try require()
        let script = """
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    out.append([s.name, s.labels, s.value])
            print(json.dumps(out))
            """
        let json = try ExternalProcess.run([Python.interpreter, "-c", script], input: text)
        guard let rows = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[Any]] else {
            throw TestFailure("unexpected parser output: \(json)")
        }
        return PrometheusParser(samples: rows.map {
            ($0[0] as? String ?? "", $0[1] as? [String: String] ?? [:], ($0[2] as? NSNumber)?.doubleValue ?? .nan)
        })
    }

    /// The sum over samples named `name` whose labels include `labels`.
    func sum(_ name: String, _ labels: [String: String]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + $1.value }
    }
}

/// Headless Chromium: the DOM after the page's scripts ran, and optionally a screenshot kept as an artefact.
enum Chromium {
    /// Debian's chromium; call before starting anything.
    static func require() throws {
        try ExternalProcess.require(
            ["chromium", "--version"], what: "chromium", install: "bash scripts/install-deps.sh chromium")
    }

    static func dumpDOM(_ url: String, screenshot: String? = nil) async throws -> String {
        try require()
        let flags = ["--headless", "--disable-gpu", "--no-sandbox", "--virtual-time-budget=3000"]
        let dom = try ExternalProcess.run(["chromium"] + flags + ["--dump-dom", url])
        if let screenshot {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(screenshot).path
            _ = try? ExternalProcess.run(
                ["chromium"] + flags + ["--screenshot=\(path)", "--window-size=1200,900", url])
            print("status page screenshot: \(path)")
        }
        return dom
    }
}
