/// Chooses the route for a request path the way nginx chooses a `location`: an exact match wins, otherwise the
/// longest matching prefix; among equal prefixes the one written first. The query string never takes part.
///
/// Built once per config snapshot; `match` allocates nothing and touches no shared state.
package struct Router: Sendable {
    /// Exact paths to route index.
    private let exact: [String: Int]
    /// (prefix as bytes, route index), longest prefix first, file order among equal lengths.
    private let prefixes: [(prefix: [UInt8], index: Int)]

    package init(routes: [RouteConfig]) {
        self.init(routes: routes) { _ in true }
    }

    /// A router over the routes `include` accepts, answering with indexes into all of `routes` (one router per
    /// virtual host, all pointing into the config's one list).
    package init(routes: [RouteConfig], where include: (RouteConfig) -> Bool) {
        var exact: [String: Int] = [:]
        var prefixes: [(prefix: String, index: Int)] = []
        for (index, route) in routes.enumerated() where include(route) {
            switch route.match {
            case .exact(let paths):
                for path in paths where exact[path] == nil { exact[path] = index }
            case .prefix(let prefix):
                prefixes.append((prefix, index))
            }
        }
        // A stable sort by length keeps file order among prefixes of equal length.
        self.prefixes = prefixes.enumerated()
            .sorted { a, b in
                a.element.prefix.utf8.count != b.element.prefix.utf8.count
                    ? a.element.prefix.utf8.count > b.element.prefix.utf8.count : a.offset < b.offset
            }
            .map { (Array($0.element.prefix.utf8), $0.element.index) }
        self.exact = exact
    }

    /// The index of the route for `uri` (path plus optional `?query`), or nil when no route matches (404).
    package func match(uri: String) -> Int? {
        let path = Router.path(of: uri)
        if !exact.isEmpty, let index = exact[String(path)] { return index }
        // Compared as the path's contiguous bytes: the generic `starts(with:)` over two UTF-8 views costs several
        // times more per byte, on every request.
        let matched = path.utf8.withContiguousStorageIfAvailable { bytes in
            prefixes.first { entry in
                entry.prefix.count <= bytes.count && entry.prefix.withUnsafeBufferPointer {
                    UnsafeBufferPointer(rebasing: bytes[..<$0.count]).elementsEqual($0)
                }
            }?.index
        }
        if let matched { return matched }  // the bytes were there: the route found, or nil for none
        return prefixes.first { path.utf8.starts(with: $0.prefix) }?.index
    }

    /// The path part of a request target: everything before `?` or `#`. Scanned as the contiguous bytes a parsed
    /// target always has (the generic walk over `String.UTF8View` costs several times more per byte).
    package static func path(of uri: String) -> Substring {
        let utf8 = uri.utf8
        let isEnd = { (byte: UInt8) in byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") }
        let end: String.Index?
        if let offset = utf8.withContiguousStorageIfAvailable({ $0.firstIndex(where: isEnd) }) {
            end = offset.map { utf8.index(utf8.startIndex, offsetBy: $0) }
        } else {
            end = utf8.firstIndex(where: isEnd)
        }
        guard let end else { return uri[...] }
        return uri[..<end]
    }
}
