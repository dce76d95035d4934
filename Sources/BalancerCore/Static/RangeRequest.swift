/// A `Range: bytes=…` header (RFC 9110 §14.2) against a representation of `length` bytes. One range is served as
/// 206; several are answered with the whole representation (200), which §14.2 allows and which keeps
/// `bytes=0-0,0-0,…` from costing a part per member (nginx sends multipart/byteranges instead).
package enum RangeRequest: Sendable, Equatable {
    /// No usable range: send the whole representation (no header, another unit, a syntax error, several ranges,
    /// or an empty representation).
    case full
    /// 206 with `Content-Range: bytes first-last/length`.
    case partial(first: Int64, last: Int64)
    /// 416 with `Content-Range: bytes */length`.
    case unsatisfiable

    /// Headers longer than this are not read (a client gains nothing from a longer one).
    static let maxHeaderLength = 1024

    package static func evaluate(_ header: String?, length: Int64) -> RangeRequest {
        guard let header, header.utf8.count <= maxHeaderLength else { return .full }
        let trimmed = Substring(header).trimmingSpaces
        guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals].lowercased() == "bytes" else {
            return .full
        }
        let members = trimmed[trimmed.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)
            .map(\.trimmingSpaces).filter { !$0.isEmpty }
        guard members.count == 1, let spec = parse(members[0]) else { return .full }
        guard length > 0 else { return .full }
        switch spec {
        case .from(let first, let last):
            guard first < length else { return .unsatisfiable }
            return .partial(first: first, last: min(last ?? length - 1, length - 1))
        case .suffix(let count):
            guard count > 0 else { return .unsatisfiable }
            return .partial(first: max(0, length - count), last: length - 1)
        }
    }

    /// The bytes the range covers.
    package var count: Int64? {
        if case .partial(let first, let last) = self { return last - first + 1 }
        return nil
    }

    private enum Spec {
        case from(Int64, last: Int64?)
        case suffix(Int64)
    }

    private static func parse(_ text: Substring) -> Spec? {
        guard let dash = text.firstIndex(of: "-") else { return nil }
        let firstText = text[..<dash]
        let lastText = text[text.index(after: dash)...]
        if firstText.isEmpty {
            return number(lastText).map { .suffix($0) }
        }
        guard let first = number(firstText) else { return nil }
        if lastText.isEmpty { return .from(first, last: nil) }
        guard let last = number(lastText), last >= first else { return nil }
        return .from(first, last: last)
    }

    /// Digits only, at most 18 of them (no sign, no overflow).
    private static func number(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(text)
    }
}
