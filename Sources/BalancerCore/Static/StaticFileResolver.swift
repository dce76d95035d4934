/// Which file answers a request on a static route, the way nginx's `root` + `index` + `try_files $uri $uri/
/// FALLBACK` would, with the symlink policy and the precompressed sidecars applied. Runs against a
/// `StaticFileSystem` (the real one on the thread pool, a table in tests); the answer is what the open-file cache
/// keeps per request path.
package struct StaticFileResolver: Sendable {
    package let config: StaticRouteConfig

    package init(config: StaticRouteConfig) {
        self.config = config
    }

    /// `path` is what `StaticPath.resolve` made of `uri` (the normalised target, used for redirects).
    package func resolve(_ path: StaticPath, uri: String, in fs: some StaticFileSystem) -> StaticResolution {
        guard case .file(let relative, let directory) = path else { return .notFound }
        guard let rootReal = fs.realPath(config.root) else { return .notFound }
        let candidate = relative.isEmpty ? config.root : config.root + "/" + relative
        if directory {
            for name in config.index {
                let indexRelative = relative.isEmpty ? name : relative + "/" + name
                if let file = regularFile(config.root + "/" + indexRelative, relative: indexRelative, rootReal, fs) {
                    return .file(served(file, as: "/" + indexRelative, fallback: false, rootReal, fs))
                }
            }
            // A directory without an index file is never listed.
            return fallback(rootReal, fs)
        }
        switch fs.status(candidate)?.kind {
        case .regular?:
            guard let file = regularFile(candidate, relative: relative, rootReal, fs) else { return .notFound }
            return .file(served(file, as: "/" + relative, fallback: false, rootReal, fs))
        case .directory?:
            guard allowed(candidate, relative: relative, rootReal, fs) else { return .notFound }
            // nginx's answer to a directory named without its slash: send the client to the slashed path.
            let path = Router.path(of: uri)
            return .redirect(location: path + "/" + uri[path.endIndex...])
        case .other?:
            return .notFound
        case nil:
            return fallback(rootReal, fs)
        }
    }

    private func fallback(_ rootReal: String, _ fs: some StaticFileSystem) -> StaticResolution {
        guard let fallback = config.fallback else { return .notFound }
        let relative = String(fallback.dropFirst())
        guard let file = regularFile(config.root + fallback, relative: relative, rootReal, fs) else { return .notFound }
        return .file(served(file, as: fallback, fallback: true, rootReal, fs))
    }

    /// The file at `path` with its status, when it is a regular file the symlink policy lets out.
    private func regularFile(_ path: String, relative: String, _ rootReal: String, _ fs: some StaticFileSystem)
        -> (path: String, status: FileStatus)?
    {
        guard let status = fs.status(path), status.kind == .regular, allowed(path, relative: relative, rootReal, fs)
        else { return nil }
        return (path, status)
    }

    private func served(
        _ file: (path: String, status: FileStatus),
        as requestPath: String,
        fallback: Bool,
        _ rootReal: String,
        _ fs: some StaticFileSystem
    ) -> ResolvedStaticFile {
        var sidecars: [ContentCoding: StaticSidecar] = [:]
        if config.precompressed {
            let relative = String(requestPath.dropFirst())
            for coding in ContentCoding.allCases {
                let path = file.path + coding.fileSuffix
                if let found = regularFile(path, relative: relative + coding.fileSuffix, rootReal, fs) {
                    sidecars[coding] = StaticSidecar(path: found.path, status: found.status)
                }
            }
        }
        var resolved = ResolvedStaticFile(path: file.path, requestPath: requestPath, status: file.status)
        resolved.sidecars = sidecars
        resolved.isFallback = fallback
        return resolved
    }

    /// The symlink policy for `path` (`relative` to the root; the root itself may be a link, as in a deploy that
    /// switches a `current` link between releases).
    private func allowed(_ path: String, relative: String, _ rootReal: String, _ fs: some StaticFileSystem) -> Bool {
        if config.symlinks == .follow { return true }
        guard let real = fs.realPath(path) else { return false }
        let prefix = rootReal == "/" ? "/" : rootReal + "/"
        switch config.symlinks {
        case .follow: return true
        case .insideRoot: return real.hasPrefix(prefix)
        case .refuse: return real == prefix + relative
        }
    }
}

/// What `StaticFileResolver` found for a request path.
package enum StaticResolution: Sendable, Equatable {
    case file(ResolvedStaticFile)
    /// 301 to the directory's path with a slash (query kept).
    case redirect(location: String)
    /// 404: nothing to serve (missing, refused, a directory without an index file and no fallback).
    case notFound
}

/// The file chosen for a request path, and its precompressed variants.
package struct ResolvedStaticFile: Sendable, Equatable {
    /// Absolute path of the file to open.
    package var path: String
    /// The request path it is served as (`/index.html` for the fallback): its type and caching come from this.
    package var requestPath: String
    package var status: FileStatus
    package var sidecars: [ContentCoding: StaticSidecar] = [:]
    /// Served in place of a missing path (`fallback`).
    package var isFallback = false

    package init(path: String, requestPath: String, status: FileStatus) {
        self.path = path
        self.requestPath = requestPath
        self.status = status
    }
}

/// A precompressed variant (`FILE.gz`, `FILE.br`) of a served file. Made only by the resolver (and tests).
package struct StaticSidecar: Sendable, Equatable {
    package var path: String
    package var status: FileStatus
}
