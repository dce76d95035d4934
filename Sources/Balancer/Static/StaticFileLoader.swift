import BalancerCore
import NIOCore

/// One trip to the file thread pool for a request on a static route: resolve its path (unless the open-file cache
/// still trusts what it resolved to), plan the answer, and load the body the plan names — read into memory (small
/// files, and files compressed on the fly, once), or opened for `sendfile`. Every system call happens here, off
/// the event loop. A file that changes between the look and the open is looked at again.
enum StaticFileLoader {
    /// What the request is answered with.
    enum Outcome: Sendable {
        /// The plan, and the body it writes (nil when it writes none: HEAD, 304, 412, 416).
        case plan(StaticResponsePlan, StaticBody?)
        case redirect(location: String)
        case notFound
        /// The file exists but the balancer may not read it (nginx answers 403 too).
        case forbidden
        /// The path resolves as it did before (`previous`): serve from what the cache keeps.
        case unchanged
    }

    struct Loaded: Sendable {
        var resolution: StaticResolution
        /// `resolution` was looked up on this trip (the cache stores it anew).
        var resolvedNow: Bool
        var outcome: Outcome
    }

    private enum BodyFailure: Error {
        case forbidden
        /// Gone or changed since it was resolved: resolve again.
        case changed
    }

    /// Runs on the thread pool. `known`: the resolution the cache still trusts, if any; `previous`: the one it no
    /// longer trusts, answered with `.unchanged` when the file system still says the same.
    static func load(
        route: StaticRoute,
        path: StaticPath,
        uri: String,
        request: StaticRequest,
        known: StaticResolution?,
        previous: StaticResolution? = nil,
        allocator: ByteBufferAllocator
    ) -> Loaded {
        var known = known
        for _ in 0..<3 {
            let resolvedNow = known == nil
            let resolution = known ?? route.resolver.resolve(path, uri: uri, in: PosixStaticFileSystem())
            if resolvedNow, let previous, resolution == previous {
                return Loaded(resolution: resolution, resolvedNow: true, outcome: .unchanged)
            }
            switch resolution {
            case .notFound:
                return Loaded(resolution: resolution, resolvedNow: resolvedNow, outcome: .notFound)
            case .redirect(let location):
                return Loaded(resolution: resolution, resolvedNow: resolvedNow, outcome: .redirect(location: location))
            case .file(let file):
                let plan = route.plan(request, for: file)
                guard plan.writesBody, plan.body != nil else {
                    return Loaded(resolution: resolution, resolvedNow: resolvedNow, outcome: .plan(plan, nil))
                }
                switch body(for: plan, level: route.gzip?.level ?? 1, allocator: allocator) {
                case .success(let body):
                    return Loaded(resolution: resolution, resolvedNow: resolvedNow, outcome: .plan(plan, body))
                case .failure(.forbidden):
                    return Loaded(resolution: resolution, resolvedNow: resolvedNow, outcome: .forbidden)
                case .failure(.changed):
                    known = nil
                }
            }
        }
        // Changing faster than it can be looked at: answer as if it were not there.
        return Loaded(resolution: .notFound, resolvedNow: true, outcome: .notFound)
    }

    /// Opens the plan's source and checks it is still the file the plan was made for.
    private static func body(
        for plan: StaticResponsePlan,
        level: Int,
        allocator: ByteBufferAllocator
    ) -> Result<StaticBody, BodyFailure> {
        let opened: (descriptor: CInt, status: FileStatus)
        switch PosixStaticFileSystem.openRegular(plan.sourcePath) {
        case .failure(.forbidden): return .failure(.forbidden)
        case .failure(.missing): return .failure(.changed)
        case .success(let file): opened = file
        }
        guard opened.status.isSameFile(as: plan.sourceStatus) else {
            PosixStaticFileSystem.closeDescriptor(opened.descriptor)
            return .failure(.changed)
        }
        let compress = plan.encoding == .gzipOnTheFly
        guard compress || opened.status.size <= StaticFileCache.inMemoryFileLimit else {
            return .success(.file(OpenStaticFile(descriptor: opened.descriptor, status: opened.status)))
        }
        defer { PosixStaticFileSystem.closeDescriptor(opened.descriptor) }
        var bytes = allocator.buffer(capacity: Int(opened.status.size))
        // Read whole, then checked unchanged: bytes kept in memory are one version of the file, never a mix.
        guard
            PosixStaticFileSystem.read(
                descriptor: opened.descriptor, offset: 0, count: Int(opened.status.size), into: &bytes),
            PosixStaticFileSystem.status(descriptor: opened.descriptor)?.isSameFile(as: opened.status) == true
        else { return .failure(.changed) }
        guard compress else { return .success(.memory(bytes)) }
        guard let compressed = try? GzipEncoder.compress(bytes, level: level, allocator: allocator) else {
            return .failure(.changed)
        }
        return .success(.memory(compressed))
    }
}

extension StaticRoute {
    /// The plan for `request` on `file`; files too large to compress once are sent as they are.
    func plan(_ request: StaticRequest, for file: ResolvedStaticFile) -> StaticResponsePlan {
        let gzip = file.status.size <= StaticFileCache.compressibleFileLimit ? self.gzip : nil
        return StaticResponsePlan.decide(request, file: file, gzip: gzip, cacheRules: cacheRules)
    }
}
