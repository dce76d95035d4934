import NIOCore

extension HTTP1HeadParser {
    /// What reading a head from the front of a buffer found.
    package enum ReadResult<Head> {
        /// No complete head yet; the scan resumes at `scanned` bytes once more arrive.
        case needMore(scanned: Int)
        /// A head, and a view of its bytes (no copy) taken off the buffer.
        case head(Head, bytes: ByteBuffer)
    }

    /// Reads one head off the front of `buffer` with `parse`, for requests and responses alike. `scanned`: bytes
    /// already searched for the head's end. However the bytes arrived, in one read or many, the head's own size is
    /// what `maxHeadSize` limits.
    @inline(__always)
    package static func readHead<Head>(
        from buffer: inout ByteBuffer,
        scanned: Int,
        maxHeadSize: Int,
        parse: (UnsafeRawBufferPointer) throws(HTTP1ParseError) -> Head
    ) throws(HTTP1ParseError) -> ReadResult<Head> {
        let result: (head: Head, length: Int)? = try buffer.withUnsafeReadableBytes { bytes throws(HTTP1ParseError) in
            guard let end = findHeadEnd(bytes, from: max(0, scanned - 3)) else {
                if bytes.count > maxHeadSize { throw .headTooLarge }
                return nil
            }
            if end > maxHeadSize { throw .headTooLarge }
            return (try parse(UnsafeRawBufferPointer(rebasing: bytes[0..<end])), end)
        }
        guard let result else { return .needMore(scanned: buffer.readableBytes) }
        guard let bytes = buffer.readSlice(length: result.length) else { throw .truncated }
        return .head(result.head, bytes: bytes)
    }
}
