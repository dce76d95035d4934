import BalancerCore

/// A static route as the runtime serves it: its settings and the deciders built from them, once per snapshot.
final class StaticRoute: Sendable {
    /// The route's index in the snapshot (the open-file cache keys paths by it).
    let index: Int
    let config: StaticRouteConfig
    let resolver: StaticFileResolver
    let cacheRules: StaticCacheRules
    /// On-the-fly gzip for this route's files; nil when `gzip:` is off or the route says `gzip: false`.
    let gzip: GzipConfig?

    init(index: Int, route: RouteConfig, config: StaticRouteConfig, gzip: GzipConfig?) {
        self.index = index
        self.config = config
        self.resolver = StaticFileResolver(config: config)
        self.cacheRules = StaticCacheRules(config: config, cacheStatic: route.cacheStatic.map(StaticCachePolicy.init))
        self.gzip = route.gzip ? gzip : nil
    }
}
