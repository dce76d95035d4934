import Foundation
import XCTest

/// Runs a program to completion with a deadline, returning its standard output.
enum ExternalProcess {
    static func run(_ arguments: [String], input: String? = nil, timeout: TimeInterval = 60) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        // Output goes to a file, so a large DOM never blocks the child on a full pipe.
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            throw TestFailure("\(arguments[0]) did not finish within \(Int(timeout)) s")
        }
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }

    /// Under CI a missing tool fails the test; elsewhere it is installed (pip / apt) or the test is skipped.
    static func require(_ check: [String], install: [String], what: String) throws {
        if (try? run(check)) != nil { return }
        _ = try? run(install, timeout: 300)
        if (try? run(check)) != nil { return }
        if ProcessInfo.processInfo.environment["CI"] == "true" { throw TestFailure("\(what) is required under CI") }
        throw XCTSkip("\(what) is not available")
    }
}

/// Parses Prometheus text with the reference parser (`prometheus_client.parser`).
struct PrometheusParser {
    /// (name, labels, value) of every sample.
    var samples: [(name: String, labels: [String: String], value: Double)]

    static func parse(_ text: String) throws -> PrometheusParser {
        try ExternalProcess.require(
            ["python3", "-c", "import prometheus_client"],
            install: ["python3", "-m", "pip", "install", "--quiet", "prometheus_client"], what: "prometheus_client")
        let script = """
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    out.append([s.name, s.labels, s.value])
            print(json.dumps(out))
            """
        let json = try ExternalProcess.run(["python3", "-c", script], input: text)
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
    static func dumpDOM(_ url: String, screenshot: String? = nil) async throws -> String {
        try ExternalProcess.require(
            ["chromium", "--version"], install: ["apt-get", "install", "-y", "chromium"], what: "chromium")
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
