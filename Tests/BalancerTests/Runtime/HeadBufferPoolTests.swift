import NIOCore
import XCTest

@testable import Balancer

/// The buffers an event loop reuses for the heads it writes: a buffer given back serves the next head, and one NIO
/// still holds for a pending write keeps its bytes.
final class HeadBufferPoolTests: XCTestCase {
    private func storage(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withVeryUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
    }

    func testABufferGivenBackServesTheNextHead() {
        var pool = HeadBufferPool(allocator: ByteBufferAllocator())
        var head = pool.take(capacity: 256)
        head.writeString("HTTP/1.1 200 OK\r\n\r\n")
        let first = storage(head)
        pool.recycle(head)
        head = ByteBuffer()
        let next = pool.take(capacity: 128)
        XCTAssertEqual(storage(next), first, "the same storage, no allocation")
        XCTAssertEqual(next.readableBytes, 0)
        XCTAssertGreaterThanOrEqual(next.writableBytes, 128)
        XCTAssertEqual(pool.count, 0)
    }

    func testBytesStillInFlightAreNotWrittenOver() {
        var pool = HeadBufferPool(allocator: ByteBufferAllocator())
        var head = pool.take(capacity: 64)
        head.writeString("GET / HTTP/1.1\r\n\r\n")
        let inFlight = head  // what a pending write keeps
        pool.recycle(head)
        var next = pool.take(capacity: 64)
        next.writeString("HTTP/1.1 404 Not Found\r\n\r\n")
        XCTAssertEqual(String(buffer: inFlight), "GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(String(buffer: next), "HTTP/1.1 404 Not Found\r\n\r\n")
        XCTAssertNotEqual(storage(next), storage(inFlight))
    }

    func testThePoolStaysSmall() {
        var pool = HeadBufferPool(allocator: ByteBufferAllocator())
        for _ in 0..<(HeadBufferPool.maxKept + 5) { pool.recycle(ByteBufferAllocator().buffer(capacity: 256)) }
        XCTAssertEqual(pool.count, HeadBufferPool.maxKept)
        var other = HeadBufferPool(allocator: ByteBufferAllocator())
        other.recycle(ByteBufferAllocator().buffer(capacity: HeadBufferPool.maxKeptCapacity * 2))
        XCTAssertEqual(other.count, 0, "a buffer grown for a large body part is let go")
    }
}
