/// nginx's `expires` for static assets on one route: which extensions, and the `Cache-Control` value to send.
package struct StaticCachePolicy: Sendable {
    package let extensions: Set<String>
    package let maxAgeSeconds: Int64
    /// `public, max-age=N, immutable`, built once.
    package let cacheControl: String

    package init(_ config: CacheStaticConfig) {
        self.extensions = Set(config.extensions.map { $0.lowercased() })
        self.maxAgeSeconds = config.maxAge.seconds
        self.cacheControl = "public, max-age=\(config.maxAge.seconds), immutable"
    }

    /// Whether the request path (query ignored) ends in one of the listed extensions.
    package func applies(toURI uri: String) -> Bool {
        let path = Router.path(of: uri)
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return false }
        let ext = path[path.index(after: dot)...]
        guard !ext.isEmpty, ext.utf8.count <= 10 else { return false }
        return extensions.contains(ext.lowercased())
    }
}
