import NIOHTTP1

/// The request fields a file's answer depends on, read once from the head.
package struct StaticRequest: Sendable {
    package var isHead: Bool
    package var conditional: ConditionalRequest
    package var range: String?
    package var accepted: AcceptedEncodings

    package init(isHead: Bool, conditional: ConditionalRequest, range: String?, accepted: AcceptedEncodings) {
        self.isHead = isHead
        self.conditional = conditional
        self.range = range
        self.accepted = accepted
    }

    /// Reads the fields from `head` in one pass over its header lines, found by the kind they were classified as
    /// while parsing (a request usually carries none of them); only their values are made into text. The first line
    /// of each name counts.
    package init(_ head: borrowing HTTP1RequestHead) {
        var conditional = ConditionalRequest()
        var range: String?
        var ifRange: String?
        var acceptEncoding: String?
        var seen = Field()
        for field in head.fields {
            guard let bit = Field(field.kind), !seen.contains(bit) else { continue }
            seen.insert(bit)
            let value = head.value(of: field)
            switch field.kind {
            case .range: range = value
            case .ifMatch: conditional.ifMatch = EntityTag.parseList(value)
            case .ifNoneMatch: conditional.ifNoneMatch = EntityTag.parseList(value)
            // An invalid date is ignored (RFC 9110 §13.1.3, §13.1.4).
            case .ifModifiedSince: conditional.ifModifiedSince = HTTPDateParser.epochSeconds(value)
            case .ifUnmodifiedSince: conditional.ifUnmodifiedSince = HTTPDateParser.epochSeconds(value)
            case .ifRange: ifRange = value
            case .acceptEncoding: acceptEncoding = value
            default: break
            }
        }
        // §13.1.5: If-Range without Range is ignored.
        if range != nil { conditional.ifRange = ifRange.map(ConditionalRequest.IfRange.init) }
        self.init(
            isHead: head.method.isHEAD,
            conditional: conditional,
            range: range,
            accepted: acceptEncoding.map(AcceptedEncodings.init) ?? .identityOnly
        )
    }

    /// The header fields a file's answer depends on, as bits of what a request carried.
    private struct Field: OptionSet {
        let rawValue: UInt8
        static let range = Field(rawValue: 1)
        static let ifMatch = Field(rawValue: 2)
        static let ifNoneMatch = Field(rawValue: 4)
        static let ifModifiedSince = Field(rawValue: 8)
        static let ifUnmodifiedSince = Field(rawValue: 16)
        static let ifRange = Field(rawValue: 32)
        static let acceptEncoding = Field(rawValue: 64)

        init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The field a line of `kind` is, if it is one of them.
        init?(_ kind: HeaderName) {
            switch kind {
            case .range: self = .range
            case .ifMatch: self = .ifMatch
            case .ifNoneMatch: self = .ifNoneMatch
            case .ifModifiedSince: self = .ifModifiedSince
            case .ifUnmodifiedSince: self = .ifUnmodifiedSince
            case .ifRange: self = .ifRange
            case .acceptEncoding: self = .acceptEncoding
            default: return nil
            }
        }
    }

    /// No precondition and no range: the answer is the whole representation, the same for every such request with
    /// the same method and codings (what the open-file cache prepares once).
    package var isUnconditionalWhole: Bool {
        range == nil && conditional.ifMatch == nil && conditional.ifNoneMatch == nil
            && conditional.ifModifiedSince == nil && conditional.ifUnmodifiedSince == nil && conditional.ifRange == nil
    }

    /// The methods a static route answers; others get 405 with `Allow` (RFC 9110 §15.5.6).
    package static func allows(_ method: HTTPMethod) -> Bool { method.isGETOrHEAD }
    package static let allowHeader = "GET, HEAD"
}

/// Everything about the answer to one request for a resolved file — status, representation, validators, range,
/// caching, `Vary` — decided without touching the file: the runtime only opens what the plan names and sends the
/// bytes it says.
package struct StaticResponsePlan: Sendable {
    package var status: HTTPResponseStatus
    package var encoding: ContentEncodingChoice
    /// The file whose bytes are sent (the sidecar's for a precompressed answer) and what it must still be.
    package var sourcePath: String
    package var sourceStatus: FileStatus
    package var contentType: String
    package var etag: EntityTag
    package var lastModified: Int64
    /// `lastModified` as an HTTP-date.
    package var lastModifiedText: String
    package var cache: StaticCachePolicyChoice
    /// `Vary: Accept-Encoding`: another client could get another coding of this path.
    package var vary: Bool
    /// `Accept-Ranges: bytes`: ranges of this representation are served.
    package var acceptRanges: Bool
    /// The bytes of `sourcePath` sent: offset and count (the whole file, or the range); nil for no body.
    package var body: (offset: Int64, count: Int64)?
    /// Whether the body is written (false for HEAD, which still describes it).
    package var writesBody: Bool
    /// `Content-Length`, or nil when the length is not known before the body is made (gzip on the fly).
    package var contentLength: Int64?
    package var contentRange: String?

    /// The plan for `request` on `file`. `gzip`: the on-the-fly settings when they apply to this route.
    package static func decide(
        _ request: StaticRequest,
        file: ResolvedStaticFile,
        gzip: GzipConfig?,
        cacheRules: StaticCacheRules
    ) -> StaticResponsePlan {
        let type = StaticMediaTypes.entry(forPath: file.requestPath)
        let mediaType = type?.mediaType ?? StaticMediaTypes.fallback
        let compressible = gzip.map { config in
            (config.types.contains(mediaType) || config.types.contains("*"))
                && file.status.size >= config.minLength.bytes
        } ?? false
        // A range of a body made on the fly cannot be served, so a Range request gets the file as it is; HEAD is
        // not compressed (no body to compress), as in nginx.
        let onTheFly = compressible && request.range == nil && !request.isHead
        let encoding = ContentEncodingChoice.choose(
            accepted: request.accepted, sidecars: Set(file.sidecars.keys), gzipOnTheFly: onTheFly)
        var source = (path: file.path, status: file.status)
        if case .sidecar(let coding) = encoding, let sidecar = file.sidecars[coding] {
            source = (sidecar.path, sidecar.status)
        }
        let etag = encoding == .gzipOnTheFly ? file.status.entityTag.weakened : source.status.entityTag
        var plan = StaticResponsePlan(
            status: .ok,
            encoding: encoding,
            sourcePath: source.path,
            sourceStatus: source.status,
            contentType: type?.contentType ?? StaticMediaTypes.fallback,
            etag: etag,
            lastModified: source.status.modificationTime,
            lastModifiedText: source.status.lastModifiedText,
            cache: cacheRules.policy(forPath: file.requestPath),
            vary: compressible || !file.sidecars.isEmpty,
            acceptRanges: encoding != .gzipOnTheFly,
            body: (0, source.status.size),
            writesBody: !request.isHead,
            contentLength: encoding == .gzipOnTheFly ? nil : source.status.size,
            contentRange: nil
        )
        switch request.conditional.evaluate(etag: etag, lastModified: plan.lastModified) {
        case .notModified:
            plan.status = .notModified
            plan.noBody()
            return plan
        case .preconditionFailed:
            plan.status = .preconditionFailed
            plan.noBody()
            return plan
        case .proceed:
            break
        }
        guard plan.acceptRanges, request.conditional.rangeAllowed(etag: etag, lastModified: plan.lastModified) else {
            return plan
        }
        let length = source.status.size
        switch RangeRequest.evaluate(request.range, length: length) {
        case .full:
            break
        case .partial(let first, let last):
            plan.status = .partialContent
            plan.body = (first, last - first + 1)
            plan.contentLength = last - first + 1
            plan.contentRange = "bytes \(first)-\(last)/\(length)"
        case .unsatisfiable:
            plan.status = .rangeNotSatisfiable
            plan.contentRange = "bytes */\(length)"
            plan.noBody()
        }
        return plan
    }

    private mutating func noBody() {
        body = nil
        writesBody = false
        contentLength = nil
    }
}
