import NIOCore

extension HTTP1HeadParser {
    /// Reads one head off the front of `buffer` with `parse`, for requests and responses alike, and gives it a view
    /// of its bytes (no copy) taken off the buffer. nil when the head is not complete yet; `scanned`, the bytes
    /// already searched for the head's end, is then where the search resumes once more arrive. However the bytes
    /// arrived, in one read or many, the head's own size is what `maxHeadSize` limits.
    ///
    /// The head is returned, not wrapped in a result the caller takes apart: moved out of here, its references
    /// cost no retain each, which matters on every request and response.
    @inline(__always)
    package static func readHead<Head: HTTP1ReceivedHead>(
        from buffer: inout ByteBuffer,
        scanned: inout Int,
        maxHeadSize: Int,
        parse: (UnsafeRawBufferPointer) throws(HTTP1ParseError) -> Head
    ) throws(HTTP1ParseError) -> Head? {
        let searched = scanned
        let result: (head: Head, length: Int)? = try buffer.withUnsafeReadableBytes { bytes throws(HTTP1ParseError) in
            guard let end = findHeadEnd(bytes, from: max(0, searched - 3)) else {
                if bytes.count > maxHeadSize { throw .headTooLarge }
                return nil
            }
            if end > maxHeadSize { throw .headTooLarge }
            return (try parse(UnsafeRawBufferPointer(rebasing: bytes[0..<end])), end)
        }
        // Taken apart as it is consumed: binding the result to a variable would copy the head (a retain of each of
        // its references) only to drop the original.
        switch consume result {
        case nil:
            scanned = buffer.readableBytes
            return nil
        case (var head, let length)?:
            guard let bytes = buffer.readSlice(length: length) else { throw .truncated }
            head.bytes = bytes
            return head
        }
    }
}
