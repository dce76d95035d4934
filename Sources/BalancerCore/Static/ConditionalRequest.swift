/// The preconditions of a request (RFC 9110 §13), evaluated against the selected representation's validators in
/// the order §13.2.2 prescribes: `If-Match`, else `If-Unmodified-Since`; then `If-None-Match`, else
/// `If-Modified-Since`; `If-Range` only decides whether a `Range` is honoured.
package struct ConditionalRequest: Sendable, Equatable {
    package var ifMatch: EntityTag.TagList?
    package var ifNoneMatch: EntityTag.TagList?
    package var ifModifiedSince: Int64?
    package var ifUnmodifiedSince: Int64?
    package var ifRange: IfRange?

    /// `If-Range`: an entity tag or a date.
    package enum IfRange: Sendable, Equatable {
        case tag(EntityTag)
        case date(Int64)
        /// Neither: the range is then never honoured.
        case invalid

        package init(_ value: String) {
            if let tag = EntityTag.parse(Substring(value)) {
                self = .tag(tag)
            } else if let date = HTTPDateParser.epochSeconds(value) {
                self = .date(date)
            } else {
                self = .invalid
            }
        }
    }

    /// What the preconditions say.
    package enum Outcome: Sendable, Equatable {
        /// Answer the request.
        case proceed
        /// 304: the client's copy is current.
        case notModified
        /// 412: a precondition the client set does not hold.
        case preconditionFailed
    }

    package init(
        ifMatch: String? = nil,
        ifNoneMatch: String? = nil,
        ifModifiedSince: String? = nil,
        ifUnmodifiedSince: String? = nil,
        ifRange: String? = nil
    ) {
        self.ifMatch = ifMatch.flatMap(EntityTag.parseList)
        self.ifNoneMatch = ifNoneMatch.flatMap(EntityTag.parseList)
        // An invalid date is ignored (§13.1.3, §13.1.4).
        self.ifModifiedSince = ifModifiedSince.flatMap(HTTPDateParser.epochSeconds)
        self.ifUnmodifiedSince = ifUnmodifiedSince.flatMap(HTTPDateParser.epochSeconds)
        self.ifRange = ifRange.map(IfRange.init)
    }

    /// §13.2.2 for a GET or HEAD of a representation with `etag` and `lastModified` (seconds).
    package func evaluate(etag: EntityTag, lastModified: Int64) -> Outcome {
        if let ifMatch {
            guard Self.matches(ifMatch, etag, strong: true) else { return .preconditionFailed }
        } else if let ifUnmodifiedSince, lastModified > ifUnmodifiedSince {
            return .preconditionFailed
        }
        if let ifNoneMatch {
            // For GET and HEAD a match means the client's copy is current.
            if Self.matches(ifNoneMatch, etag, strong: false) { return .notModified }
        } else if let ifModifiedSince, lastModified <= ifModifiedSince {
            return .notModified
        }
        return .proceed
    }

    /// Whether a `Range` may be honoured (§13.1.5): no `If-Range`, or one that names this representation exactly
    /// (a strong tag, or the very `Last-Modified` date; a weak tag never does).
    package func rangeAllowed(etag: EntityTag, lastModified: Int64) -> Bool {
        switch ifRange {
        case nil: return true
        case .tag(let tag): return tag.strongMatches(etag)
        case .date(let date): return date == lastModified
        case .invalid: return false
        }
    }

    private static func matches(_ list: EntityTag.TagList, _ etag: EntityTag, strong: Bool) -> Bool {
        switch list {
        case .any: return true
        case .tags(let tags):
            return tags.contains { strong ? $0.strongMatches(etag) : $0.weakMatches(etag) }
        }
    }
}
