/// Why bytes could not be read as HTTP/1.1. Requests map these to 400 (or 431); responses to 502.
package enum HTTP1ParseError: Error, Equatable {
    /// Request line + headers longer than the limit.
    case headTooLarge
    case invalidRequestLine
    case invalidStatusLine
    case invalidVersion
    /// A header line that is not `token ":" value` (whitespace before the colon, control bytes, obs-fold…).
    case invalidHeader
    case invalidChunkSize
    case invalidChunkTerminator
    case invalidContentLength
    case invalidTransferEncoding
    /// Both `Transfer-Encoding` and `Content-Length`: refused rather than guessed (RFC 9112 §6.3 item 3).
    case conflictingFraming
    /// The connection ended in the middle of a message.
    case truncated
}
