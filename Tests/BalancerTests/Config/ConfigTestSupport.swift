import XCTest

@testable import Balancer
@testable import BalancerCore

/// Helpers shared by the config tests: parse inline YAML and look at the errors it produces.
enum ConfigFixture {
    static let file = "test.yaml"

    /// The smallest valid config; tests append or replace sections.
    static let minimal = """
        listen: 127.0.0.1:8080
        upstreams:
          backend:
            servers: [127.0.0.1:8001]
        routes:
          - prefix: /
            upstream: backend
        """

    /// Parses `yaml`, failing the test with the errors when it does not load.
    static func parse(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> BalancerConfig? {
        do {
            return try ConfigLoader.parse(yaml: yaml, path: Self.file)
        } catch {
            XCTFail("expected the config to load, got:\n\(error)", file: file, line: line)
            return nil
        }
    }

    /// The errors `yaml` produces; fails the test when it loads.
    static func errors(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> [ConfigError] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml, path: Self.file)
            XCTFail("expected errors, the config loaded", file: file, line: line)
            return []
        } catch {
            return error.errors
        }
    }

    /// Asserts `yaml` fails with exactly one error at `errorLine` and `path` whose message contains `text`.
    static func assertSingleError(
        _ yaml: String, line errorLine: Int, path: String, contains text: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let found = errors(yaml, file: file, line: line)
        guard found.count == 1, let error = found.first else {
            XCTFail("expected one error, got \(found.count):\n\(found.map(\.description).joined(separator: "\n"))",
                file: file, line: line)
            return
        }
        XCTAssertEqual(error.line, errorLine, "\(error)", file: file, line: line)
        XCTAssertEqual(error.keyPath, path, "\(error)", file: file, line: line)
        XCTAssertTrue(error.message.contains(text), "\"\(error.message)\" lacks \"\(text)\"", file: file, line: line)
    }
}
