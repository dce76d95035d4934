import CompressNIO
import NIOCore

/// One gzip stream (zlib's deflate with a gzip wrapper): bytes in, compressed bytes out, as many calls as the
/// body has parts. Mechanics only: whether to compress is `StaticResponsePlan`'s or `ProxiedCompression`'s call.
/// Not thread-safe; one per response.
final class GzipEncoder {
    private let compressor: ZlibCompressor
    /// Handed to zlib when there is nothing to add (a flush or the end): never empty storage, which zlib's wrapper
    /// would read a null pointer from.
    private var nothing: ByteBuffer

    /// How zlib is asked to flush after a call.
    enum Flush {
        /// Keep what it needs for a better ratio.
        case none
        /// Everything so far decodable by the client now (a streamed response's burst ended).
        case sync
        /// End the stream (gzip trailer included).
        case finish
    }

    init(level: Int, allocator: ByteBufferAllocator) throws {
        compressor = try ZlibCompressor(
            algorithm: .gzip,
            configuration: ZlibConfiguration(windowSize: 15, compressionLevel: Int32(level), memoryLevel: 8)
        )
        nothing = allocator.buffer(capacity: 16)
    }

    /// Compresses `input` (may be nil: only flush) and appends the output to `out`.
    func compress(_ input: ByteBuffer?, flush: Flush, into out: inout ByteBuffer) throws {
        var input = input ?? nothing
        if input.readableBytes == 0 { input = nothing }
        let mode: CompressNIOFlush
        switch flush {
        case .none: mode = .no
        case .sync: mode = .sync
        case .finish: mode = .finish
        }
        while true {
            if out.writableBytes < 64 { out.reserveCapacity(minimumWritableBytes: max(4096, out.capacity)) }
            do {
                try compressor.deflate(from: &input, to: &out, flush: mode)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                // Output full (grow and go on), or nothing left to do for this flush mode.
                if out.writableBytes == 0 || mode == .finish { continue }
                return
            }
            switch flush {
            case .none: if input.readableBytes == 0 { return }
            case .sync: if input.readableBytes == 0 && out.writableBytes > 0 { return }
            case .finish: return
            }
        }
    }

    /// A whole body compressed in one go (a served file).
    static func compress(_ body: ByteBuffer, level: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let encoder = try GzipEncoder(level: level, allocator: allocator)
        var out = allocator.buffer(capacity: body.readableBytes / 3 + 64)
        try encoder.compress(body, flush: .finish, into: &out)
        return out
    }
}
