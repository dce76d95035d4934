import NIOCore
import XCTest

@testable import BalancerCore

/// The lists of header lines an event loop reuses across heads: a list given back serves the next head without an
/// allocation, and a list a live head still shares is never written over.
final class HTTP1FieldListPoolTests: XCTestCase {
    private func decodeHead(_ text: String, lists: inout HTTP1FieldListPool) throws -> HTTP1RequestHead {
        var decoder = HTTP1RequestDecoder(maxHeadSize: 8192)
        decoder.feed(ByteBuffer(string: text))
        guard case .head(let head)? = try decoder.next(lists: &lists) else {
            XCTFail("no head")
            throw HTTP1ParseError.truncated
        }
        return head
    }

    private func storage(_ list: [HTTP1HeaderField]) -> UnsafeRawPointer? {
        list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    func testAListGivenBackServesTheNextHead() throws {
        var lists = HTTP1FieldListPool()
        let first = try decodeHead("GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n", lists: &lists)
        XCTAssertEqual(first.fields.count, 2)
        let firstStorage = storage(first.fields)
        lists.recycle(first.fields)
        XCTAssertEqual(lists.count, 1)
        // `first` is still alive here: the next head must get a list of its own and leave `first`'s lines alone.
        let second = try decodeHead("GET /x HTTP/1.1\r\nHost: b\r\n\r\n", lists: &lists)
        XCTAssertNotEqual(storage(second.fields), firstStorage)
        XCTAssertEqual(first.fields.count, 2)
        XCTAssertEqual(first.first(.host), "a")
        XCTAssertEqual(second.first(.host), "b")
        XCTAssertEqual(lists.count, 0)
    }

    func testAListNoHeadSharesAnyMoreIsReusedInPlace() throws {
        var lists = HTTP1FieldListPool()
        var head: HTTP1RequestHead? = try decodeHead("GET / HTTP/1.1\r\nHost: a\r\n\r\n", lists: &lists)
        let firstStorage = head.map { storage($0.fields) }
        if let fields = head.take()?.fields { lists.recycle(fields) }
        let next = try decodeHead("GET /y HTTP/1.1\r\nHost: c\r\nUser-Agent: u\r\n\r\n", lists: &lists)
        XCTAssertEqual(storage(next.fields), firstStorage, "the list given back is reused, no new allocation")
        XCTAssertEqual(next.fields.count, 2)
        XCTAssertEqual(next.first(.userAgent), "u")
    }

    func testThePoolStaysSmall() {
        var lists = HTTP1FieldListPool()
        for _ in 0..<(HTTP1FieldListPool.maxKept + 5) { lists.recycle(freshList()) }
        XCTAssertEqual(lists.count, HTTP1FieldListPool.maxKept)
        var large: [HTTP1HeaderField] = []
        large.reserveCapacity(HTTP1FieldListPool.maxKeptCapacity * 2)
        var empty = HTTP1FieldListPool()
        empty.recycle(large)
        XCTAssertEqual(empty.count, 0, "a list grown for an unusual head is let go")
        empty.recycle([])
        XCTAssertEqual(empty.count, 0, "a list without room is not worth keeping")
    }

    private func freshList() -> [HTTP1HeaderField] {
        var list: [HTTP1HeaderField] = []
        list.reserveCapacity(16)
        return list
    }
}
