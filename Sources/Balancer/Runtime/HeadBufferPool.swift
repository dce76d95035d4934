import NIOCore

/// Buffers for the heads one event loop writes (the request head sent upstream, the response head sent to the
/// client), kept for reuse so that writing a head does not allocate its buffer: two allocations per proxied request.
///
/// A head's buffer comes back here once the head is written and no longer needed (`recycle`); the next head takes
/// one (`take`). A buffer NIO still holds (its write has not gone out yet) is not written over: `ByteBuffer.clear`
/// gives it new storage when its storage is shared, so reuse can never change bytes in flight. The pool keeps few
/// buffers and none grown large, and only per event loop: an idle keep-alive connection holds none of them.
///
/// Loop-bound: one per `LoopContext`, touched only on its event loop.
struct HeadBufferPool {
    /// The buffers kept, at most `maxKept`.
    private var buffers: [ByteBuffer] = []
    private let allocator: ByteBufferAllocator

    /// More than the heads one turn of an event loop writes and finishes.
    static let maxKept = 32
    /// Buffers grown past this (a head with a large body part joined to it) are let go, not kept.
    static let maxKeptCapacity = 16 * 1024

    init(allocator: ByteBufferAllocator) {
        self.allocator = allocator
    }

    /// Buffers kept now (tests).
    var count: Int { buffers.count }

    /// An empty buffer with room for at least `capacity` bytes.
    mutating func take(capacity: Int) -> ByteBuffer {
        guard var buffer = buffers.popLast() else { return allocator.buffer(capacity: capacity) }
        buffer.clear(minimumCapacity: capacity)
        return buffer
    }

    /// Keeps `buffer` for a later head, unless enough are kept or it grew large.
    mutating func recycle(_ buffer: consuming ByteBuffer) {
        guard buffers.count < Self.maxKept, buffer.capacity <= Self.maxKeptCapacity, buffer.capacity > 0 else { return }
        buffers.append(buffer)
    }
}
