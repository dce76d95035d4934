import Foundation
import Shared

/// Reading of `static:` on a route, and of the top-level `gzip:` and `open_file_cache:`.
extension ConfigReader {
    package static let staticKeys = [
        "root", "index", "fallback", "precompressed", "hidden_files", "symlinks", "immutable", "no_cache",
    ]
    package static let gzipKeys = ["types", "min_length", "level", "proxied"]

    /// `static:` — `root` is required and, unless `checksPaths` is off, must be a directory on this machine (a
    /// relative root is taken from the config file's directory, so it does not depend on where `serve` starts).
    package mutating func readStatic(_ node: ConfigNode) -> StaticRouteConfig? {
        guard let map = mapping(node, allowed: Self.staticKeys) else { return nil }
        guard let rootNode = required(map, "root", hint: "name the directory to serve, e.g. root: /srv/web"),
            let written = nonEmptyText(rootNode, expected: "a directory path such as /srv/web")
        else { return nil }
        let root = absolutePath(written)
        var failed = !checkRoot(root, written: written, node: rootNode)
        var config = StaticRouteConfig(root: root, rootAsWritten: written)
        if let node = map["index"] {
            let names = items(node, expected: "a file name or a list of them, e.g. index.html",
                ifEmpty: "list at least one file name, e.g. [index.html]")
            var index: [String] = []
            for item in names {
                guard let name = nonEmptyText(item, expected: "a file name such as index.html") else { continue }
                guard !name.contains("/"), name != ".", name != ".." else {
                    report(item, "expected a file name such as index.html, got \"\(name)\"; no / in it")
                    continue
                }
                index.append(name)
            }
            if index.count == names.count && !index.isEmpty { config.index = index } else { failed = true }
        }
        if let node = map["fallback"] {
            if let path = readFallback(node, root: failed ? nil : root) { config.fallback = path } else { failed = true }
        }
        if let node = map["precompressed"] {
            if let value = bool(node) { config.precompressed = value } else { failed = true }
        }
        if let node = map["hidden_files"] {
            if let value = bool(node) { config.hiddenFiles = value } else { failed = true }
        }
        if let node = map["symlinks"] {
            if let policy = choice(node, of: SymlinkPolicy.self) { config.symlinks = policy } else { failed = true }
        }
        if let node = map["immutable"] {
            if let patterns = readPatterns(node) { config.immutable = patterns } else { failed = true }
        }
        if let node = map["no_cache"] {
            if let patterns = readPatterns(node) { config.noCache = patterns } else { failed = true }
        }
        return failed ? nil : config
    }

    /// `written` as an absolute, standardised path: relative ones start at the config file's directory.
    package func absolutePath(_ written: String) -> String {
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let url = written.hasPrefix("/") ? URL(fileURLWithPath: written) : URL(fileURLWithPath: written, relativeTo: base)
        let path = url.standardizedFileURL.path
        return path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// A missing root is the commonest deployment mistake (a volume not mounted, a build not copied): reported at
    /// load time, so `balancer check` and a reload catch it instead of every request answering 404.
    private mutating func checkRoot(_ root: String, written: String, node: ConfigNode) -> Bool {
        guard checksPaths else { return true }
        var isDirectory: ObjCBool = false
        let shown = root == written ? root : "\(written) (\(root))"
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
            report(node, "directory \(shown) does not exist; create it, mount the app's files there, or fix root")
            return false
        }
        guard isDirectory.boolValue else {
            report(node, "\(shown) is not a directory; root names the directory the files are served from")
            return false
        }
        return true
    }

    /// `fallback:` — a request path under the root (`/index.html`); checked to be a file there when the root is.
    private mutating func readFallback(_ node: ConfigNode, root: String?) -> String? {
        guard let path = text(node, expected: "a path such as /index.html") else { return nil }
        guard path.hasPrefix("/"), !path.hasSuffix("/"), !path.contains("?"), !path.contains("#"),
            !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." })
        else {
            report(node, "expected the path of a file under root such as /index.html, got \"\(path)\"")
            return nil
        }
        if checksPaths, let root {
            var isDirectory: ObjCBool = false
            let file = root + path
            if !FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) || isDirectory.boolValue {
                report(node, "\(path) is not a file under root (\(file)); every unmatched path would answer 404")
                return nil
            }
        }
        return path
    }

    /// A list of file name patterns (`*.html`, `*-{hash}.*`); an empty list turns the rule off.
    private mutating func readPatterns(_ node: ConfigNode) -> [String]? {
        if case .sequence(let sequence) = node.node, sequence.isEmpty { return [] }
        let list = items(node, expected: "a list of file name patterns such as [\"*.html\"]", ifEmpty: "")
        var patterns: [String] = []
        for item in list {
            guard let text = nonEmptyText(item, expected: "a file name pattern such as \"*.html\"") else { continue }
            if let problem = StaticNamePattern.problem(in: text) {
                report(item, "\(problem) in \"\(text)\"; use * and ? as in a shell, and {hash} for a content hash")
                continue
            }
            patterns.append(text)
        }
        return patterns.count == list.count ? patterns : nil
    }

    /// `gzip:` — present means on; every key has nginx's meaning.
    package mutating func readGzip(_ node: ConfigNode) -> GzipConfig? {
        guard let map = mapping(node, allowed: Self.gzipKeys) else { return nil }
        var gzip = GzipConfig()
        if let node = map["types"] {
            let list = items(node, expected: "a list of media types such as [text/css, application/json]",
                ifEmpty: "list at least one media type, e.g. [application/json]")
            var types: Set<String> = ["text/html"]
            for item in list {
                guard let text = text(item, expected: "a media type such as application/json") else { continue }
                let type = text.trimmingASCIIWhitespace().lowercased()
                let parts = type.split(separator: "/", omittingEmptySubsequences: false)
                guard type == "*" || (parts.count == 2 && parts.allSatisfy { !$0.isEmpty && !$0.contains(";") }) else {
                    report(item, "expected a media type such as application/json (no parameters), or *, got "
                        + item.valueDescription)
                    continue
                }
                types.insert(type)
            }
            gzip.types = types
        }
        if let node = map["min_length"], let size = size(node, in: 0...Int64(Int32.max)) { gzip.minLength = size }
        if let node = map["level"], let level = int(node, in: 1...9) { gzip.level = level }
        if let node = map["proxied"], let proxied = bool(node) { gzip.proxied = proxied }
        return gzip
    }

    /// `open_file_cache:` — `valid: 0` looks at the file on every request.
    package mutating func readOpenFileCache(_ node: ConfigNode) -> OpenFileCacheConfig {
        var cache = OpenFileCacheConfig()
        guard let map = mapping(node, allowed: ["max", "valid"]) else { return cache }
        if let node = map["max"], let max = int(node, in: 1...100_000) { cache.max = max }
        if let node = map["valid"], let valid = duration(node, .nonNegative) { cache.valid = valid }
        return cache
    }
}
