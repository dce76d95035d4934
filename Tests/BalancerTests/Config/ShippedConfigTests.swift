import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The config files shipped in `config/` must always pass `balancer check`.
final class ShippedConfigTests: XCTestCase {
    /// The package root: three levels above this file (`Tests/BalancerTests/Config/`).
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `checksPaths: false` for configs whose static roots exist inside their container only.
    private func load(_ relativePath: String, checksPaths: Bool = true) throws -> BalancerConfig {
        let path = Self.packageRoot.appendingPathComponent(relativePath).path
        do {
            return try ConfigLoader.load(path: path, checksPaths: checksPaths)
        } catch {
            XCTFail("\(relativePath) does not load:\n\(error)")
            throw error
        }
    }

    /// The one production config, which the image bakes in and the production compose stack mounts: its upstreams
    /// are that stack's services, and its pid file lies on the container's writable /tmp.
    func testProductionConfigLoads() throws {
        let config = try load("config/balancer.yaml", checksPaths: false)
        XCTAssertEqual(config.listen.map(\.description), ["0.0.0.0:80", "0.0.0.0:443"])
        // HTTPS only: port 80 redirects, port 443 serves the compose secrets' certificate with HSTS.
        XCTAssertTrue(config.listen[0].redirectToHTTPS)
        XCTAssertEqual(config.listen[1].tls?.certificates.map(\.cert), ["/run/secrets/tls_fullchain"])
        XCTAssertNotNil(config.listen[1].tls?.hsts)
        XCTAssertEqual(config.upstream(named: "backend")?.servers.map(\.address.description), ["backend:8000"])
        XCTAssertEqual(config.routes.last?.staticFiles?.root, "/srv/web", "the app's files, baked into the image")
        XCTAssertEqual(config.routes.last?.staticFiles?.fallback, "/index.html")
        XCTAssertNotNil(config.gzip)
        XCTAssertEqual(config.pidFile, "/tmp/balancer.pid")
        XCTAssertEqual(config.summary, "1 upstream, 1 server, 3 routes, 2 listeners (1 TLS)")
        let dockerfile = try String(contentsOf: Self.packageRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        XCTAssertTrue(dockerfile.contains("COPY compose/web /srv/web"))
    }

    /// Two files both called production drifted apart once; `config/` holds one, and the image and the production
    /// compose file both use it.
    func testOneProductionConfigIsShippedAndDeployed() throws {
        let names = try FileManager.default.contentsOfDirectory(
            atPath: Self.packageRoot.appendingPathComponent("config").path)
        XCTAssertEqual(names.filter { $0.hasSuffix(".yaml") }.sorted(), ["balancer.local.yaml", "balancer.yaml"])
        let dockerfile = try String(contentsOf: Self.packageRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        XCTAssertTrue(dockerfile.contains("COPY config/balancer.yaml /etc/balancer/balancer.yaml"))
        let compose = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("compose/docker-compose.prod.yml"), encoding: .utf8)
        XCTAssertTrue(compose.contains("../config/balancer.yaml:/etc/balancer/balancer.yaml:ro"))
    }

    func testLocalConfigLoads() throws {
        let config = try load("config/balancer.local.yaml")
        XCTAssertEqual(config.listen.map(\.description), ["127.0.0.1:8080"])
        XCTAssertEqual(config.admin.listen.description, "127.0.0.1:9090")
        XCTAssertEqual(config.upstream(named: "backend")?.servers.map(\.address.description), [
            "127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003",
        ])
        // run-local.sh serves the checkout's compose/web, found relative to the config file.
        XCTAssertEqual(
            config.routes.last?.staticFiles?.root,
            Self.packageRoot.appendingPathComponent("compose/web").standardizedFileURL.path)
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
