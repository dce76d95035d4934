extension HTTP1RequestHead {
    /// The target as the client sent it when it is origin-form (nginx's `$request_uri`); the normalised target
    /// otherwise (absolute-form becomes origin-form, `*` stays).
    package var requestURI: String {
        bytes.withUnsafeReadableBytes { source in
            let line = source[requestLine]
            guard let space = line.firstIndex(of: HTTP1Bytes.sp), line.index(after: space) < line.endIndex,
                line[line.index(after: space)] == UInt8(ascii: "/")
            else { return uri }
            return String(decoding: UnsafeRawBufferPointer(rebasing: line[line.index(after: space)...]), as: UTF8.self)
        }
    }
}
