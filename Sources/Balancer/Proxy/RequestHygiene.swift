import NIOHTTP1

/// Checks a request head for the ambiguities request smuggling relies on, before anything goes upstream.
///
/// The HTTP/1 parser already refuses malformed syntax (obs-fold, whitespace before the colon, bad chunk sizes);
/// these checks cover what a lenient parser or a different upstream parser could read two ways.
enum RequestHygiene {
    /// Why a request head is refused; each maps to a status and a short body.
    enum Violation: Error, Equatable {
        case contentLengthWithTransferEncoding
        case conflictingContentLength
        case invalidContentLength
        case unsupportedTransferEncoding
        case missingHost
        case headTooLarge

        var status: HTTPResponseStatus {
            switch self {
            case .headTooLarge: return .requestHeaderFieldsTooLarge
            default: return .badRequest
            }
        }
    }

    /// The body framing of `head`, or the reason it must be refused. `maxHeaderSize` bounds request line + headers.
    static func framing(of head: HTTPRequestHead, maxHeaderSize: Int) -> Result<RequestBodyFraming, Violation> {
        if head.uri.utf8.count > maxHeaderSize { return .failure(.headTooLarge) }
        let transferEncodings = head.headers[canonicalForm: "transfer-encoding"]
        let lengths = head.headers["content-length"]
        if head.version.major == 1 && head.version.minor >= 1 && !head.headers.contains(name: "host") {
            return .failure(.missingHost)
        }
        if !transferEncodings.isEmpty {
            if !lengths.isEmpty { return .failure(.contentLengthWithTransferEncoding) }
            // Only `chunked` as the final coding delimits a request body (RFC 9112 §6.3); anything else is refused.
            guard transferEncodings.last?.lowercased() == "chunked" else {
                return .failure(.unsupportedTransferEncoding)
            }
            if transferEncodings.count > 1 { return .failure(.unsupportedTransferEncoding) }
            return .success(.chunked)
        }
        guard !lengths.isEmpty else { return .success(.none) }
        var value: Int64?
        for raw in lengths {
            for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
                let text = part.trimmingASCIIWhitespaceSubstring()
                guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                    let parsed = Int64(text)
                else { return .failure(.invalidContentLength) }
                if let known = value, known != parsed { return .failure(.conflictingContentLength) }
                value = parsed
            }
        }
        return .success(.contentLength(value ?? 0))
    }

    /// Whether a client-supplied `X-Request-ID` is safe to keep: 1…128 characters of `[A-Za-z0-9._-]`.
    static func isSaneRequestID(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 46 || b == 95
        }
    }
}

extension Substring {
    /// Without leading/trailing spaces and tabs.
    func trimmingASCIIWhitespaceSubstring() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
