import XCTest

@testable import BalancerCore

/// A file system as a table: paths to statuses, and the links `realpath` would follow.
struct TableFileSystem: StaticFileSystem {
    var files: [String: FileStatus] = [:]
    /// Path → what `realpath` returns (links); paths not listed resolve to themselves when they exist.
    var links: [String: String] = [:]

    static func file(_ size: Int64 = 10, mtime: Int64 = 1000) -> FileStatus {
        FileStatus(kind: .regular, size: size, modificationTime: mtime)
    }
    static let directory = FileStatus(kind: .directory, size: 0, modificationTime: 0)

    func status(_ path: String) -> FileStatus? { files[path] }

    func realPath(_ path: String) -> String? {
        if let target = links[path] { return target }
        return files[path] == nil ? nil : path
    }
}

final class StaticFileResolverTests: XCTestCase {
    private var fs = TableFileSystem(files: [
        "/srv/web": TableFileSystem.directory,
        "/srv/web/index.html": TableFileSystem.file(100),
        "/srv/web/app.js": TableFileSystem.file(5000),
        "/srv/web/app.js.gz": TableFileSystem.file(900),
        "/srv/web/app.js.br": TableFileSystem.file(800),
        "/srv/web/docs": TableFileSystem.directory,
        "/srv/web/docs/index.html": TableFileSystem.file(50),
        "/srv/web/empty": TableFileSystem.directory,
        "/srv/web/fifo": FileStatus(kind: .other, size: 0, modificationTime: 0),
        "/srv/web/passwd": TableFileSystem.file(2000),
        "/srv/web/inside": TableFileSystem.file(10),
    ])

    override func setUp() {
        // `passwd` is a link to /etc/passwd, `inside` a link to index.html.
        fs.links["/srv/web/passwd"] = "/etc/passwd"
        fs.links["/srv/web/inside"] = "/srv/web/index.html"
    }

    private func resolve(
        _ uri: String,
        _ configure: (inout StaticRouteConfig) -> Void = { _ in }
    ) -> StaticResolution {
        var config = StaticRouteConfig(root: "/srv/web")
        configure(&config)
        let path = StaticPath.resolve(uri: uri, hiddenFiles: config.hiddenFiles)
        return StaticFileResolver(config: config).resolve(path, uri: uri, in: fs)
    }

    private func served(_ resolution: StaticResolution) -> String? {
        guard case .file(let file) = resolution else { return nil }
        return file.path
    }

    func testFilesIndexAndRedirects() {
        XCTAssertEqual(served(resolve("/")), "/srv/web/index.html")
        XCTAssertEqual(served(resolve("/app.js")), "/srv/web/app.js")
        XCTAssertEqual(served(resolve("/docs/")), "/srv/web/docs/index.html")
        XCTAssertEqual(resolve("/docs"), .redirect(location: "/docs/"))
        XCTAssertEqual(resolve("/docs?x=1"), .redirect(location: "/docs/?x=1"))
        XCTAssertEqual(resolve("/empty/"), .notFound, "no listing")
        XCTAssertEqual(resolve("/missing.js"), .notFound)
        XCTAssertEqual(resolve("/fifo"), .notFound, "never a device or FIFO")
        XCTAssertEqual(served(resolve("/docs/", { $0.index = ["missing.html", "index.html"] })),
            "/srv/web/docs/index.html")
    }

    func testFallbackServesTheAppForClientRoutes() {
        let withFallback: (inout StaticRouteConfig) -> Void = { $0.fallback = "/index.html" }
        guard case .file(let file) = resolve("/client/route", withFallback) else { return XCTFail() }
        XCTAssertEqual(file.path, "/srv/web/index.html")
        XCTAssertEqual(file.requestPath, "/index.html", "typed and cached as the fallback file")
        XCTAssertTrue(file.isFallback)
        XCTAssertEqual(served(resolve("/empty/", withFallback)), "/srv/web/index.html")
        XCTAssertEqual(resolve("/.env", withFallback), .notFound, "a refused path never falls back")
        XCTAssertEqual(resolve("/missing", { $0.fallback = "/missing.html" }), .notFound)
    }

    func testSymlinkPolicies() {
        XCTAssertEqual(resolve("/passwd"), .notFound, "a link out of the root")
        XCTAssertEqual(served(resolve("/inside")), "/srv/web/inside", "a link inside the root")
        XCTAssertEqual(served(resolve("/passwd", { $0.symlinks = .follow })), "/srv/web/passwd")
        XCTAssertEqual(resolve("/inside", { $0.symlinks = .refuse }), .notFound)
        XCTAssertEqual(served(resolve("/app.js", { $0.symlinks = .refuse })), "/srv/web/app.js")
    }

    func testRootBehindALink() {
        // A deploy that switches `current` between releases: the root is a link, files under it are fine.
        fs.files["/srv/current"] = TableFileSystem.directory
        fs.files["/srv/current/index.html"] = TableFileSystem.file()
        fs.links["/srv/current"] = "/srv/releases/7"
        fs.links["/srv/current/index.html"] = "/srv/releases/7/index.html"
        let config = StaticRouteConfig(root: "/srv/current")
        let resolution = StaticFileResolver(config: config).resolve(
            StaticPath.resolve(uri: "/", hiddenFiles: false), uri: "/", in: fs)
        XCTAssertEqual(served(resolution), "/srv/current/index.html")
    }

    func testSidecarsWhenPrecompressed() {
        guard case .file(let plain) = resolve("/app.js") else { return XCTFail() }
        XCTAssertTrue(plain.sidecars.isEmpty, "precompressed is off by default")
        guard case .file(let file) = resolve("/app.js", { $0.precompressed = true }) else { return XCTFail() }
        XCTAssertEqual(file.sidecars[.gzip]?.path, "/srv/web/app.js.gz")
        XCTAssertEqual(file.sidecars[.br]?.path, "/srv/web/app.js.br")
        fs.links["/srv/web/app.js.br"] = "/etc/shadow"
        guard case .file(let guarded) = resolve("/app.js", { $0.precompressed = true }) else { return XCTFail() }
        XCTAssertNil(guarded.sidecars[.br], "a sidecar leading out of the root is ignored")
    }

    func testMissingRootServesNothing() {
        fs.files["/srv/web"] = nil
        fs.files["/srv/web/index.html"] = nil
        XCTAssertEqual(resolve("/"), .notFound)
    }
}
