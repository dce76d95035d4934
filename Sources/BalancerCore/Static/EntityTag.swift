/// An entity tag (RFC 9110 §8.8.3) as sent in `ETag` and compared against `If-Match`, `If-None-Match` and
/// `If-Range`: an opaque quoted string, weak when prefixed by `W/`.
package struct EntityTag: Sendable, Hashable, CustomStringConvertible {
    /// The quoted string, quotes included (`"5f3a-1c"`).
    package var opaque: String
    package var isWeak: Bool

    package init(opaque: String, isWeak: Bool = false) {
        self.opaque = opaque
        self.isWeak = isWeak
    }

    /// nginx's tag for a file, `"<mtime hex>-<size hex>"`: the same files get the same tags as behind nginx, so
    /// caches filled before the switch stay valid.
    package init(modificationTime: Int64, size: Int64) {
        let mtime = String(UInt64(bitPattern: modificationTime), radix: 16)
        self.init(opaque: "\"\(mtime)-\(String(UInt64(bitPattern: size), radix: 16))\"")
    }

    package var description: String { isWeak ? "W/" + opaque : opaque }

    /// The tag of a representation derived from this one by a transformation (on-the-fly compression): weak, as
    /// the bytes are not the same although the meaning is (what nginx's gzip does too).
    package var weakened: EntityTag { EntityTag(opaque: opaque, isWeak: true) }

    /// Strong comparison: both strong and the same string (required by `If-Match` and `If-Range`).
    package func strongMatches(_ other: EntityTag) -> Bool { !isWeak && !other.isWeak && opaque == other.opaque }

    /// Weak comparison: the same string, weak or not (used by `If-None-Match`).
    package func weakMatches(_ other: EntityTag) -> Bool { opaque == other.opaque }

    /// One tag as in `ETag` or `If-Range`; nil when it is not one.
    package static func parse(_ text: Substring) -> EntityTag? {
        var text = text.trimmingSpaces
        var weak = false
        if text.hasPrefix("W/") {
            weak = true
            text = text.dropFirst(2)
        }
        guard text.count >= 2, text.first == "\"", text.last == "\"",
            !text.dropFirst().dropLast().contains("\"")
        else { return nil }
        return EntityTag(opaque: String(text), isWeak: weak)
    }

    /// `If-Match` / `If-None-Match`: `*` (any current representation), or a list of tags. nil when a member is
    /// malformed: the header is then treated as absent rather than half-read.
    package static func parseList(_ text: String) -> TagList? {
        let trimmed = Substring(text).trimmingSpaces
        if trimmed == "*" { return .any }
        var tags: [EntityTag] = []
        for member in trimmed.split(separator: ",", omittingEmptySubsequences: true) {
            if member.trimmingSpaces.isEmpty { continue }
            guard let tag = parse(member) else { return nil }
            tags.append(tag)
        }
        return tags.isEmpty ? nil : .tags(tags)
    }

    /// The value of `If-Match` or `If-None-Match`.
    package enum TagList: Sendable, Equatable {
        case any
        case tags([EntityTag])
    }
}

extension Substring {
    /// Without surrounding spaces and tabs (HTTP's OWS).
    var trimmingSpaces: Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return s
    }
}
