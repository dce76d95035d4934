import BalancerCore

/// What one route of a snapshot does with the requests it takes, prepared once per load or reload: the group it
/// proxies to, its caching, files, gzip, header edits and limits.
///
/// One object per route, so a request reads its route's settings through one reference instead of copying an
/// element out of one array per setting (each copy retains and releases what the element holds).
final class RouteRuntime: Sendable {
    /// Index into the snapshot's `groups`.
    let groupIndex: Int
    /// Static-asset caching settings.
    let cache: StaticCachePolicy?
    /// The files it serves, for a `static:` route.
    let files: StaticRoute?
    /// On-the-fly gzip of proxied responses, when `gzip:` is on, covers them and the route allows it.
    let gzip: GzipConfig?
    /// Its `request_headers`, prepared for the forwarding pass.
    let edits: RequestHeaderRewrite?
    /// The rate and connection limits its requests count in.
    let limits: RouteLimits

    init(
        groupIndex: Int, cache: StaticCachePolicy?, files: StaticRoute?, gzip: GzipConfig?,
        edits: RequestHeaderRewrite?, limits: RouteLimits
    ) {
        self.groupIndex = groupIndex
        self.cache = cache
        self.files = files
        self.gzip = gzip
        self.edits = edits
        self.limits = limits
    }
}
