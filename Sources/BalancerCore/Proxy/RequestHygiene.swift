import NIOCore
import NIOHTTP1

/// Checks a request head for the ambiguities request smuggling and routing tricks rely on, before anything goes
/// upstream, and decides its body framing once (RFC 9112 §6.3).
///
/// The HTTP/1 parser already refuses malformed syntax (obs-fold, whitespace before the colon, non-token methods,
/// control bytes); these checks cover what a lenient parser or a different upstream parser could read two ways.
package enum RequestHygiene {
    /// Why a request head is refused; each maps to a status. After any of them the connection closes.
    package enum Violation: Error, Equatable {
        case contentLengthWithTransferEncoding
        /// More than one `Content-Length` line, or a list (`5, 5`): nginx refuses these too.
        case duplicateContentLength
        case invalidContentLength
        /// A transfer coding other than a single `chunked`.
        case unsupportedTransferEncoding
        /// `Transfer-Encoding` in an HTTP/1.0 request: the framing is faulty (RFC 9112 §6.1).
        case transferEncodingOnHTTP10
        case missingHost
        case duplicateHost
        case invalidHost
        /// An absolute-form target whose authority is not the `Host` sent with it.
        case hostMismatch
        case invalidTarget

        package var status: HTTPResponseStatus {
            switch self {
            case .unsupportedTransferEncoding: return .notImplemented
            default: return .badRequest
            }
        }
    }

    /// Checks `request`, normalises its target into `request.uri` (see `HTTP1Target`), and returns its body
    /// framing or the reason it must be refused. The decoder has already bounded the head's size.
    package static func check(_ request: inout HTTP1RequestHead) -> Result<HTTP1Framing, Violation> {
        var host: HTTP1HeaderField?
        var length: HTTP1HeaderField?
        var codings: HTTP1HeaderField?
        for field in request.fields {
            switch field.kind {
            case .host:
                if host != nil { return .failure(.duplicateHost) }
                host = field
            case .contentLength:
                if length != nil { return .failure(.duplicateContentLength) }
                length = field
            case .transferEncoding:
                if codings != nil { return .failure(.unsupportedTransferEncoding) }
                codings = field
            default:
                break
            }
        }
        let isHTTP11 = request.version.minor >= 1
        if isHTTP11 && host == nil { return .failure(.missingHost) }
        if let host, !request.bytes.withUnsafeReadableBytes({ HostSyntax.isValid(UnsafeRawBufferPointer(rebasing: $0[host.value])) }) {
            return .failure(.invalidHost)
        }
        switch HTTP1Target.normalize(request.uri) {
        case .failure:
            return .failure(.invalidTarget)
        case .success(let normalized):
            if normalized.isAsterisk && request.method != .OPTIONS { return .failure(.invalidTarget) }
            if let authority = normalized.authority {
                guard HostSyntax.isValid(authority) else { return .failure(.invalidHost) }
                if let host, request.value(of: host).lowercased() != authority.lowercased() {
                    return .failure(.hostMismatch)
                }
            }
            if let target = normalized.target, target != request.uri {
                request.uri = target
                request.targetWasNormalized = true
            }
        }
        if let codings {
            if !isHTTP11 { return .failure(.transferEncodingOnHTTP10) }
            if length != nil { return .failure(.contentLengthWithTransferEncoding) }
            // Only a single `chunked` delimits a request body the balancer can re-frame (RFC 9112 §6.3).
            let isChunked = request.bytes.withUnsafeReadableBytes { bytes in
                HeaderName.equal(UnsafeRawBufferPointer(rebasing: bytes[codings.value]).bindMemory(to: UInt8.self), "chunked")
            }
            return isChunked ? .success(.chunked) : .failure(.unsupportedTransferEncoding)
        }
        guard let length else { return .success(.none) }
        let value = request.bytes.withUnsafeReadableBytes { bytes in
            HTTP1ContentLength.parse(UnsafeRawBufferPointer(rebasing: bytes[length.value]))
        }
        return value.map { .success(.contentLength($0)) } ?? .failure(.invalidContentLength)
    }

    /// Whether a client-supplied `X-Request-ID` is safe to keep: 1…128 characters of `[A-Za-z0-9._-]`.
    package static func isSaneRequestID(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 46 || b == 95
        }
    }
}

extension Substring {
    /// Without leading/trailing spaces and tabs.
    package func trimmingASCIIWhitespaceSubstring() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
