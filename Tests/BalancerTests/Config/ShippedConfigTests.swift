import Foundation
import XCTest

@testable import Balancer

/// The config files shipped in `config/` must always pass `balancer check`.
final class ShippedConfigTests: XCTestCase {
    /// The package root: three levels above this file (`Tests/BalancerTests/Config/`).
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private func load(_ relativePath: String) throws -> BalancerConfig {
        let path = Self.packageRoot.appendingPathComponent(relativePath).path
        do {
            return try ConfigLoader.load(path: path)
        } catch {
            XCTFail("\(relativePath) does not load:\n\(error)")
            throw error
        }
    }

    func testProductionConfigLoads() throws {
        let config = try load("config/balancer.yaml")
        XCTAssertEqual(config.listen.map(\.description), ["0.0.0.0:80"])
        XCTAssertEqual(config.upstream(named: "backend")?.servers.map(\.address.description), [
            "backend-1:8000", "backend-2:8000", "backend-3:8000",
        ])
        XCTAssertEqual(config.upstream(named: "web")?.servers.map(\.address.description), ["web:3000"])
        XCTAssertEqual(config.summary, "2 upstreams, 4 servers, 3 routes, 1 listener")
    }

    func testLocalConfigLoads() throws {
        let config = try load("config/balancer.local.yaml")
        XCTAssertEqual(config.listen.map(\.description), ["127.0.0.1:8080"])
        XCTAssertEqual(config.admin.listen.description, "127.0.0.1:9090")
        XCTAssertEqual(config.upstream(named: "backend")?.servers.map(\.address.description), [
            "127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003",
        ])
        XCTAssertEqual(config.upstream(named: "web")?.servers.map(\.address.description), ["127.0.0.1:3000"])
    }

    func testEveryExampleLoads() throws {
        let examples = Self.packageRoot.appendingPathComponent("config/examples")
        let names = try FileManager.default.contentsOfDirectory(atPath: examples.path)
            .filter { $0.hasSuffix(".yaml") }
        XCTAssertFalse(names.isEmpty)
        for name in names { _ = try load("config/examples/\(name)") }
    }

    func testMissingFileIsAFileLevelError() {
        XCTAssertThrowsError(try ConfigLoader.load(path: "/nonexistent/balancer.yaml")) { error in
            let errors = (error as? ConfigErrors)?.errors ?? []
            XCTAssertEqual(errors.map(\.line), [0])
            XCTAssertEqual(
                errors.first?.description,
                "/nonexistent/balancer.yaml: no such file; pass the path of your config with --config")
        }
    }
}
