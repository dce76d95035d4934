/// Which `Cache-Control` a served file gets, by its request path: `no_cache` patterns first (an entry point must
/// never be kept stale), then `immutable` ones (content-hashed names), then the route's `cache_static`
/// extensions; otherwise none, and browsers revalidate with the file's ETag and Last-Modified.
package struct StaticCacheRules: Sendable {
    package static let immutableValue = "public, max-age=31536000, immutable"
    package static let noCacheValue = "no-cache"

    private let noCache: [StaticNamePattern]
    private let immutable: [StaticNamePattern]
    private let cacheStatic: StaticCachePolicy?

    package init(config: StaticRouteConfig, cacheStatic: StaticCachePolicy?) {
        self.noCache = config.noCache.compactMap(StaticNamePattern.init)
        self.immutable = config.immutable.compactMap(StaticNamePattern.init)
        self.cacheStatic = cacheStatic
    }

    /// What to send for `requestPath`.
    package func policy(forPath requestPath: String) -> StaticCachePolicyChoice {
        if noCache.contains(where: { $0.matches(path: requestPath) }) { return .noCache }
        if immutable.contains(where: { $0.matches(path: requestPath) }) { return .immutable }
        if let cacheStatic, cacheStatic.applies(toURI: requestPath) { return .cacheStatic(cacheStatic) }
        return .none
    }
}

/// The caching headers chosen for one file.
package enum StaticCachePolicyChoice: Sendable {
    case none
    /// `Cache-Control: no-cache`.
    case noCache
    /// `Cache-Control: public, max-age=31536000, immutable`.
    case immutable
    /// The route's `cache_static`: its `Cache-Control` and an `Expires` that far ahead.
    case cacheStatic(StaticCachePolicy)

    /// The `Cache-Control` value, if any.
    package var cacheControl: String? {
        switch self {
        case .none: return nil
        case .noCache: return StaticCacheRules.noCacheValue
        case .immutable: return StaticCacheRules.immutableValue
        case .cacheStatic(let policy): return policy.cacheControl
        }
    }

    /// Seconds from now for `Expires`, when one is sent.
    package var expiresIn: Int64? {
        if case .cacheStatic(let policy) = self { return policy.maxAgeSeconds }
        return nil
    }
}
