import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// `static:`, `gzip:` and `open_file_cache:` as `balancer check` reads them.
final class StaticConfigTests: XCTestCase {
    private var root: String = ""

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("static-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "<h1>app</h1>".write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func yaml(_ route: String, extra: String = "") -> String {
        """
        listen: 127.0.0.1:8080
        \(extra)
        upstreams:
          backend: {servers: [127.0.0.1:8001]}
        routes:
          - prefix: /api/
            upstream: backend
          - prefix: /
        \(route)
        """
    }

    func testStaticRouteReads() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(yaml("""
                static:
                  root: \(root)
                  index: [index.html, index.htm]
                  fallback: /index.html
                  precompressed: true
                  hidden_files: true
                  symlinks: follow
                  immutable: ["/assets/*"]
                  no_cache: []
                gzip: false
            """, extra: "gzip: {types: [application/json], min_length: 2k, level: 5}\nopen_file_cache: {max: 10, valid: 0}")))
        let route = config.routes[1]
        XCTAssertNil(route.upstream)
        XCTAssertFalse(route.gzip)
        let files = try XCTUnwrap(route.staticFiles)
        XCTAssertEqual(files.root, root)
        XCTAssertEqual(files.index, ["index.html", "index.htm"])
        XCTAssertEqual(files.fallback, "/index.html")
        XCTAssertTrue(files.precompressed)
        XCTAssertTrue(files.hiddenFiles)
        XCTAssertEqual(files.symlinks, .follow)
        XCTAssertEqual(files.immutable, ["/assets/*"])
        XCTAssertEqual(files.noCache, [])
        XCTAssertEqual(config.gzip?.types, ["application/json", "text/html"])
        XCTAssertEqual(config.gzip?.minLength.bytes, 2048)
        XCTAssertEqual(config.gzip?.level, 5)
        XCTAssertEqual(config.openFileCache.max, 10)
        XCTAssertEqual(config.openFileCache.valid.milliseconds, 0)
        XCTAssertNil(ConfigFixture.parse(ConfigFixture.minimal)?.gzip, "gzip is off unless configured")
    }

    func testRelativeRootIsTakenFromTheConfigFile() throws {
        let directory = URL(fileURLWithPath: root)
        let configPath = directory.appendingPathComponent("conf/balancer.yaml").path
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("conf"), withIntermediateDirectories: true)
        try yaml("    static: {root: ../}").write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: configPath)
        XCTAssertEqual(config.routes[1].staticFiles?.root, URL(fileURLWithPath: root).standardizedFileURL.path)
    }

    func testMissingRootIsReportedAtItsLine() {
        ConfigFixture.assertSingleError(
            yaml("    static: {root: /nonexistent/web}"), line: 9, path: "routes[1].static.root",
            contains: "directory /nonexistent/web does not exist")
        ConfigFixture.assertSingleError(
            yaml("    static: {root: \(root)/index.html}"), line: 9, path: "routes[1].static.root",
            contains: "is not a directory")
        XCTAssertNotNil(try? ConfigLoader.parse(yaml: yaml("    static: {root: /nonexistent/web}"), path: "x",
            checksPaths: false), "checked from outside the container it runs in")
    }

    func testStaticErrors() {
        ConfigFixture.assertSingleError(
            yaml("    upstream: backend\n    static: {root: \(root)}"), line: 10, path: "routes[1].static",
            contains: "not both")
        ConfigFixture.assertSingleError(
            yaml("    static: {root: \(root), fallback: /missing.html}"), line: 9, path: "routes[1].static.fallback",
            contains: "is not a file under root")
        ConfigFixture.assertSingleError(
            yaml("    static: {root: \(root), fallback: index.html}"), line: 9, path: "routes[1].static.fallback",
            contains: "expected the path of a file")
        ConfigFixture.assertSingleError(
            yaml("    static: {root: \(root), symlinks: sometimes}"), line: 9, path: "routes[1].static.symlinks",
            contains: "inside_root, follow, refuse")
        ConfigFixture.assertSingleError(
            yaml("    static: {root: \(root), immutable: [\"*.{md5}.js\"]}"), line: 9,
            path: "routes[1].static.immutable[0]", contains: "only {hash}")
        ConfigFixture.assertSingleError(
            yaml("    static: {root: \(root), index: [a/b.html]}"), line: 9, path: "routes[1].static.index[0]",
            contains: "no / in it")
        ConfigFixture.assertSingleError(
            yaml("    static: {root: \(root)}", extra: "gzip: {types: [json]}"), line: 2, path: "gzip.types[0]",
            contains: "expected a media type")
        ConfigFixture.assertSingleError(
            yaml("    static: {root: \(root)}", extra: "gzip: {level: 10}"), line: 2, path: "gzip.level",
            contains: "from 1 to 9")
    }
}
