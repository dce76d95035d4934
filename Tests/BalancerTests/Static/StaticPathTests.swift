import XCTest

@testable import BalancerCore

/// Request paths against `StaticPath`, after the normaliser as live requests get them: a table of hostile and
/// ordinary paths, and a generated sweep that nothing outside the root or hidden ever comes out.
final class StaticPathTests: XCTestCase {
    /// The target as the client sent it, normalised as `RequestHygiene` does, then mapped to a file.
    private func map(_ target: String, hidden: Bool = false) -> StaticPath? {
        guard case .success(let normalized) = HTTP1Target.normalize(target) else { return nil }
        return StaticPath.resolve(uri: normalized.target ?? target, hiddenFiles: hidden)
    }

    func testTable() {
        let cases: [(String, StaticPath?)] = [
            // Ordinary paths.
            ("/", .file(relative: "", directory: true)),
            ("/index.html", .file(relative: "index.html", directory: false)),
            ("/assets/app.js?v=3", .file(relative: "assets/app.js", directory: false)),
            ("/docs/", .file(relative: "docs", directory: true)),
            ("/a%20b.txt", .file(relative: "a b.txt", directory: false)),
            ("/caf%C3%A9.html", .file(relative: "café.html", directory: false)),
            ("/.well-known/security.txt", .file(relative: ".well-known/security.txt", directory: false)),
            // Dot segments never leave the root: the normaliser removes them or refuses the request (400).
            ("/../etc/passwd", nil),
            ("/%2e%2e/etc/passwd", nil),
            ("/%2E%2E/%2E%2E/etc/passwd", nil),
            ("/assets/../../etc/passwd", nil),
            ("/assets/../index.html", .file(relative: "index.html", directory: false)),
            ("/./index.html", .file(relative: "index.html", directory: false)),
            ("//etc/passwd", .file(relative: "etc/passwd", directory: false)),
            // Encoded separators and backslashes are refused, never decoded into a second segment.
            ("/..%2fetc/passwd", .refused(.encodedSeparator)),
            ("/assets%2F..%2F..%2Fetc%2Fpasswd", .refused(.encodedSeparator)),
            ("/%2e%2e%2fetc/passwd", .refused(.encodedSeparator)),
            ("/..%5c..%5cetc/passwd", .refused(.backslash)),
            ("/a%5Cb", .refused(.backslash)),
            // NUL is a 400 at the edge; other control bytes are refused here.
            ("/index.html%00.png", nil),
            ("/a%0Ab", .refused(.controlByte)),
            ("/a%7Fb", .refused(.controlByte)),
            ("/a%09b", .refused(.controlByte)),
            // Hidden files.
            ("/.env", .refused(.hidden)),
            ("/.git/config", .refused(.hidden)),
            ("/assets/.htpasswd", .refused(.hidden)),
            ("/%2egit/config", .refused(.hidden)),
            ("/sub/.well-known/x", .refused(.hidden)),
            // Not UTF-8 once decoded.
            ("/%FF%FE", .refused(.malformed)),
        ]
        for (target, expected) in cases {
            XCTAssertEqual(map(target), expected, target)
        }
    }

    func testHiddenFilesWhenAllowed() {
        XCTAssertEqual(map("/.env", hidden: true), .file(relative: ".env", directory: false))
        // Still never a dot segment.
        XCTAssertEqual(StaticPath.resolve(uri: "/a/../b", hiddenFiles: true), .refused(.dotSegment))
        XCTAssertEqual(StaticPath.resolve(uri: "/a/./b", hiddenFiles: true), .refused(.dotSegment))
    }

    func testOverlongPathIsRefused() {
        XCTAssertEqual(
            StaticPath.resolve(uri: "/" + String(repeating: "a", count: 5000), hiddenFiles: false), .refused(.malformed))
    }

    /// A sweep over paths built from hostile pieces: whatever comes out is inside the root, has no dot segment,
    /// no separator smuggled in a name, no control byte and no hidden segment.
    func testGeneratedPathsNeverLeaveTheRoot() {
        let pieces = [
            "..", ".", "%2e", "%2E%2e", "%2f", "%2F", "%5c", "\\", "%00", "%0a", "a", ".env", "%2eenv", "b.js",
            "%252e", "//", "/", "%c0%ae", "~", "%7e", "*",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var target = ""
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                target += "/" + pieces.randomElement(using: &generator)!
                if Bool.random(using: &generator) { target += pieces.randomElement(using: &generator)! }
            }
            guard case .file(let relative, _)? = map(target) else { continue }
            let segments = relative.split(separator: "/", omittingEmptySubsequences: false)
            XCTAssertFalse(relative.hasPrefix("/"), target)
            for segment in segments where !relative.isEmpty {
                XCTAssertFalse(segment.isEmpty || segment == "." || segment == "..", "\(target) → \(relative)")
                XCTAssertFalse(segment.hasPrefix("."), "\(target) → \(relative)")
                XCTAssertFalse(segment.contains("\\"), "\(target) → \(relative)")
                XCTAssertFalse(segment.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, target)
            }
        }
    }
}
