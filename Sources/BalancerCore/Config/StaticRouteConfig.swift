import Shared

/// `static:` on a route — the route's requests are answered from files under `root`, as nginx's `root`, `index`
/// and `try_files $uri $uri/ FALLBACK` do, instead of going to an upstream.
package struct StaticRouteConfig: Sendable, Hashable {
    /// The directory the request path is appended to (nginx's `root`, not `alias`: `/assets/a.js` is
    /// `ROOT/assets/a.js` whatever the route's prefix). Absolute: a relative `root:` is resolved against the
    /// directory of the config file when it is read.
    package var root: String
    /// The root as written, for messages.
    package var rootAsWritten: String
    /// Files tried, in order, for a path ending in `/` (nginx's `index`).
    package var index: [String] = ["index.html"]
    /// A request path served when nothing matches (nginx's last `try_files` argument): the SPA's `/index.html`,
    /// so client-side routes load the app. nil: 404.
    package var fallback: String? = nil
    /// Serve `FILE.br` / `FILE.gz` written next to `FILE` to clients that accept them (nginx's `gzip_static` and
    /// `brotli_static`).
    package var precompressed = false
    /// Serve paths with a segment starting with `.` (other than `.well-known`); off by default, so a `.git`,
    /// `.env` or `.htpasswd` left in the build is never served.
    package var hiddenFiles = false
    /// Which symbolic links under `root` are followed.
    package var symlinks = SymlinkPolicy.insideRoot
    /// File name patterns answered `Cache-Control: public, max-age=31536000, immutable` (content-hashed assets).
    package var immutable: [String] = StaticRouteConfig.defaultImmutable
    /// File name patterns answered `Cache-Control: no-cache` (revalidated on every use: the app's entry point).
    package var noCache: [String] = StaticRouteConfig.defaultNoCache

    /// Names such as `app.3f2a1b9c.js` (webpack) and `index-BfXb3k9Q.js` (Vite, Rollup).
    package static let defaultImmutable = ["*.{hash}.*", "*-{hash}.*"]
    package static let defaultNoCache = ["*.html"]

    package init(root: String, rootAsWritten: String? = nil) {
        self.root = root
        self.rootAsWritten = rootAsWritten ?? root
    }
}

/// `static.symlinks:` — nginx's `disable_symlinks`, with a default that keeps every served file inside the root.
package enum SymlinkPolicy: String, Sendable, Hashable, CaseIterable {
    /// Links are followed while their target stays under `root` (a Kubernetes ConfigMap volume is made of such
    /// links); one that leads out is answered 404.
    case insideRoot = "inside_root"
    /// Links are followed wherever they lead (nginx's default, `disable_symlinks off`).
    case follow
    /// No path component may be a link (`disable_symlinks on`).
    case refuse
}

/// `gzip:` — on-the-fly compression of served files and proxied responses (nginx's `gzip on`, `gzip_types`,
/// `gzip_min_length`, `gzip_comp_level`). Absent: nothing is compressed on the fly.
package struct GzipConfig: Sendable, Hashable {
    /// Media types compressed (without parameters, lower case); `*` is every type. `text/html` always is, as in
    /// nginx.
    package var types: Set<String> = GzipConfig.defaultTypes
    /// Bodies known to be shorter are sent as they are: compressing them costs more than it saves.
    package var minLength: NginxSize = NginxSize(bytes: 1024)
    /// zlib's level, 1 (fastest, nginx's default) to 9.
    package var level = 1
    /// Whether responses from upstreams are compressed too (nginx compresses whatever passes through it).
    package var proxied = true

    package static let defaultTypes: Set<String> = [
        "text/html", "text/css", "text/plain", "text/javascript", "text/xml", "application/javascript",
        "application/json", "application/xml", "application/manifest+json", "image/svg+xml",
    ]

    package init() {}
}

/// `open_file_cache:` — what each event loop keeps about files it served (nginx's `open_file_cache` and
/// `open_file_cache_valid`): where each path leads, the open descriptor, and small files' bytes.
package struct OpenFileCacheConfig: Sendable, Hashable {
    /// Paths remembered per event loop; the least recently used go first.
    package var max = 1000
    /// How long a remembered path is trusted before the file is looked at again (a changed file is served from
    /// the next look on; a response in progress keeps the file it opened).
    package var valid = NginxDuration.seconds(1)

    package init() {}
}
