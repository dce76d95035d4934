import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import Shared
import XCTest

/// The per-loop batches and their writer thread: order, when a batch goes out, and nothing lost at shutdown.
final class BatchedLogWriterTests: XCTestCase {
    private var path = ""

    override func setUp() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString).log").path
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: path)
    }

    private func written() throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    }

    private func line(_ text: String) -> (inout ByteBuffer) -> Void {
        { $0.writeString(text + "\n") }
    }

    func testQueueClosesOnlyAfterEveryQueuedBatch() {
        var queue = LogWriterQueue()
        XCTAssertFalse(queue.hasWork)
        XCTAssertTrue(queue.enqueue(ByteBuffer(string: "a\n")))
        XCTAssertTrue(queue.enqueue(ByteBuffer(string: "b\n")))
        queue.close()
        XCTAssertTrue(queue.hasWork)
        XCTAssertEqual(queue.next(), .write([ByteBuffer(string: "a\n"), ByteBuffer(string: "b\n")]))
        XCTAssertTrue(queue.hasWork, "a closed queue still wakes the writer, to finish")
        XCTAssertEqual(queue.next(), .finish)
        XCTAssertFalse(queue.enqueue(ByteBuffer(string: "late\n")), "nothing is taken after close")
    }

    func testShutdownWritesEverySubmittedBatch() throws {
        for round in 0..<20 {
            let writer = try BatchedLogWriter(output: .file(path))
            for line in 0..<50 { writer.submit(ByteBuffer(string: "round \(round) line \(line)\n")) }
            writer.shutdown()
        }
        let lines = try written()
        XCTAssertEqual(lines.count, 20 * 50)
        XCTAssertEqual(lines.first, "round 0 line 0")
        XCTAssertEqual(lines.last, "round 19 line 49")
    }

    func testBatchGoesOutWhenFull() throws {
        let loop = EmbeddedEventLoop()
        let writer = try BatchedLogWriter(output: .file(path))
        let batch = LoopLogBatch(writer: writer, eventLoop: loop, flushThreshold: 30)
        batch.append(line("0123456789"))
        batch.append(line("0123456789"))
        XCTAssertEqual(batch.bufferedBytes, 22)
        batch.append(line("0123456789"))
        XCTAssertEqual(batch.bufferedBytes, 0, "33 bytes reach the 30-byte threshold: handed over at once")
        batch.append(line("after"))
        XCTAssertEqual(batch.bufferedBytes, 6)
        writer.shutdown()
        XCTAssertEqual(try written(), ["0123456789", "0123456789", "0123456789"], "what is still buffered is not")
    }

    func testBatchGoesOutAfterTheIntervalFromItsFirstLine() throws {
        let loop = EmbeddedEventLoop()
        let writer = try BatchedLogWriter(output: .file(path))
        let batch = LoopLogBatch(writer: writer, eventLoop: loop, flushInterval: .milliseconds(200))
        loop.advanceTime(by: .seconds(5))
        batch.append(line("first"))
        loop.advanceTime(by: .milliseconds(150))
        batch.append(line("second"))
        loop.advanceTime(by: .milliseconds(49))
        XCTAssertEqual(batch.bufferedBytes, 13, "199 ms after the first line: still waiting")
        loop.advanceTime(by: .milliseconds(1))
        XCTAssertEqual(batch.bufferedBytes, 0, "200 ms after the first line: handed over")
        batch.append(line("third"))
        loop.advanceTime(by: .milliseconds(199))
        XCTAssertEqual(batch.bufferedBytes, 6, "the next batch's clock starts with its own first line")
        loop.advanceTime(by: .milliseconds(1))
        XCTAssertEqual(batch.bufferedBytes, 0)
        writer.shutdown()
        XCTAssertEqual(try written(), ["first", "second", "third"])
    }

    func testStoppedBatchHandsOverEveryLineAtOnce() throws {
        let loop = EmbeddedEventLoop()
        let writer = try BatchedLogWriter(output: .file(path))
        let batch = LoopLogBatch(writer: writer, eventLoop: loop)
        batch.append(line("before"))
        batch.stop()
        XCTAssertEqual(batch.bufferedBytes, 0)
        batch.append(line("after"))
        XCTAssertEqual(batch.bufferedBytes, 0, "no timer after stop: out at once")
        writer.shutdown()
        XCTAssertEqual(try written(), ["before", "after"])
    }

    /// Several loops logging at once, batches going out by size and by time: every line is written, and each
    /// loop's lines in the order it logged them.
    func testEveryLineFromSeveralLoopsInOrder() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        defer { try? group.syncShutdownGracefully() }
        let writer = try BatchedLogWriter(output: .file(path))
        let loops = Array(group.makeIterator())
        let perLoop = 2_000
        let logged = loops.enumerated().map { index, loop in
            loop.submit {
                let batch = LoopLogBatch(
                    writer: writer, eventLoop: loop, flushInterval: .milliseconds(1), flushThreshold: 1024)
                // Spread over several loop iterations, so the timer fires between lines as well.
                let done = loop.makePromise(of: Void.self)
                func log(from start: Int) {
                    for number in start..<min(start + 100, perLoop) {
                        batch.append { $0.writeString("loop \(index) line \(number)\n") }
                    }
                    guard start + 100 < perLoop else {
                        batch.stop()
                        return done.succeed()
                    }
                    loop.assumeIsolated().scheduleTask(in: .microseconds(200)) { log(from: start + 100) }
                }
                log(from: 0)
                return done.futureResult
            }.flatMap { $0 }
        }
        try EventLoopFuture.andAllSucceed(logged, on: loops[0]).wait()
        writer.shutdown()

        let lines = try written()
        XCTAssertEqual(lines.count, loops.count * perLoop)
        for index in loops.indices {
            let numbers = lines.filter { $0.hasPrefix("loop \(index) ") }.compactMap { Int($0.split(separator: " ")[3]) }
            XCTAssertEqual(numbers, Array(0..<perLoop), "loop \(index)'s lines, in order")
        }
    }
}
