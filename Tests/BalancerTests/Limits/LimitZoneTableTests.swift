import Foundation
import XCTest

@testable import BalancerCore

/// The zone table: bounded memory whatever the number of keys, which slot gives way, connection counts, and the
/// lock-free path under several threads at once.
final class LimitZoneTableTests: XCTestCase {
    private let second: Int64 = 1_000_000_000
    private let bucket = LeakyBucket(rate: RequestRate(requests: 10, per: .second), burst: 0, delay: 0)

    private func address(_ index: Int) -> IPAddress { Self.address(index) }

    private static func address(_ index: Int) -> IPAddress {
        IPAddress(ipv4: UInt8(10), UInt8(truncatingIfNeeded: index >> 16), UInt8(truncatingIfNeeded: index >> 8),
            UInt8(truncatingIfNeeded: index))
    }

    func testAZoneHoldsWhatItsSizeHolds() {
        XCTAssertEqual(LimitZoneTable.capacity(forBytes: 10 << 20), 655_360)
        XCTAssertEqual(LimitZoneTable.capacity(forBytes: 32 << 10), 2048)
        let table = LimitZoneTable(kind: .rate, bytes: 32 << 10)
        XCTAssertEqual(table.memoryBytes, 32 << 10)
    }

    /// The "Done when" figure: a 10m zone filled with 1,000,000 distinct keys keeps its 10 MiB, holds at most its
    /// capacity, still limits the keys seen last, and forgets the oldest.
    func testAMillionDistinctKeysStayWithinTheZoneSize() {
        let size: Int64 = 10 << 20
        let table = LimitZoneTable(kind: .rate, bytes: size)
        // 1r/m: every key's bucket still holds its request at the end, so none drains and the zone must choose.
        let bucket = LeakyBucket(rate: RequestRate(requests: 1, per: .minute), burst: 0, delay: 0)
        let keys = 1_000_000
        var now: Int64 = 1_000 * second
        for index in 0..<keys {
            now += 1_000
            guard case .admit = table.decide(table.fingerprint(address(index)), bucket: bucket, now: now, commit: true)
            else { return XCTFail("a new key was refused") }
        }
        XCTAssertEqual(table.memoryBytes, Int(size))
        // Sets fill unevenly (about 12 keys for each set of 8 here), so a few keep a free slot.
        let stored = table.storedKeys()
        XCTAssertLessThanOrEqual(stored, table.capacity)
        XCTAssertGreaterThan(stored, table.capacity * 95 / 100)
        XCTAssertEqual(table.liveKeys(now: now), stored)
        // The most recent half-capacity keys: almost all still held (refused on a second request at once); each
        // set of 8 keeps the keys that arrived last, so a few sets that drew more than 8 of them lose some.
        let recent = table.capacity / 2
        var held = 0
        for index in (keys - recent)..<keys {
            if case .reject = table.decide(table.fingerprint(address(index)), bucket: bucket, now: now, commit: false) {
                held += 1
            }
        }
        XCTAssertGreaterThan(Double(held) / Double(recent), 0.97, "\(held) of the last \(recent) keys held")
        // The oldest keys were given up (a second request of one of them passes as new), except in the sets that
        // drew no more than 8 keys in all.
        var forgotten = 0
        for index in 0..<1000 {
            if case .admit = table.decide(table.fingerprint(address(index)), bucket: bucket, now: now, commit: false) {
                forgotten += 1
            }
        }
        XCTAssertGreaterThan(forgotten, 800)
    }

    func testTheSlotThatGivesWayIsEmptyDrainedOrClosestToDrained() {
        typealias Slot = LimitZoneVictim.Slot
        let drained = (0..<8).map { Slot(fingerprint: UInt64($0 + 2), value: UInt64(100 + $0)) }
        XCTAssertEqual(LimitZoneVictim.choose(drained, kind: .rate), 0)
        var withEmpty = drained
        withEmpty[5] = Slot(fingerprint: 0, value: 0)
        XCTAssertEqual(LimitZoneVictim.choose(withEmpty, kind: .rate), 5)
        var spread = drained
        spread[3].value = 50
        spread[0].value = 9_000
        XCTAssertEqual(LimitZoneVictim.choose(spread, kind: .rate), 3)
        spread[3].value = LimitZoneTable.dead
        XCTAssertEqual(LimitZoneVictim.choose(spread, kind: .rate), 1)
        // A connection slot counting requests in progress is never given up.
        let busy = (0..<8).map { Slot(fingerprint: UInt64($0 + 2), value: 1) }
        XCTAssertNil(LimitZoneVictim.choose(busy, kind: .connections))
        var oneIdle = busy
        oneIdle[6].value = 0
        XCTAssertEqual(LimitZoneVictim.choose(oneIdle, kind: .connections), 6)
    }

    func testAClientFarOverItsRateOutlastsAFloodOfNewKeys() {
        let table = LimitZoneTable(kind: .rate, bytes: 32 << 10)
        let abuser = table.fingerprint(address(1 << 20))
        let burst = LeakyBucket(rate: RequestRate(requests: 1, per: .second), burst: 100, delay: nil)
        let now = 1_000 * second
        for _ in 0...100 { _ = table.decide(abuser, bucket: burst, now: now, commit: true) }
        XCTAssertEqual(table.decide(abuser, bucket: burst, now: now, commit: false), .reject(retryAfter: second))
        for index in 0..<50_000 {
            _ = table.decide(table.fingerprint(address(index)), bucket: burst, now: now + 1, commit: true)
        }
        guard case .reject = table.decide(abuser, bucket: burst, now: now + 1, commit: false) else {
            return XCTFail("the flood reset the abuser's bucket")
        }
    }

    func testConnectionCountsAreAcquiredAndReleased() {
        let table = LimitZoneTable(kind: .connections, bytes: 32 << 10)
        let key = table.fingerprint(address(7))
        guard case .acquired(let first) = table.acquire(key, max: 2),
            case .acquired(let second) = table.acquire(key, max: 2)
        else { return XCTFail("not acquired") }
        XCTAssertEqual(first, second)
        XCTAssertEqual(table.acquire(key, max: 2), .atLimit)
        XCTAssertEqual(table.liveKeys(now: 0), 1)
        table.release(slot: first)
        guard case .acquired = table.acquire(key, max: 2) else { return XCTFail("not acquired after a release") }
        table.release(slot: first)
        table.release(slot: first)
        XCTAssertEqual(table.liveKeys(now: 0), 0)
    }

    func testAConnectionSetWhoseSlotsAreAllBusyIsFull() {
        // The smallest table: one set of 8.
        let table = LimitZoneTable(kind: .connections, bytes: 128)
        XCTAssertEqual(table.capacity, 8)
        var slots: [Int] = []
        for index in 0..<8 {
            guard case .acquired(let slot) = table.acquire(table.fingerprint(address(index)), max: 1) else {
                return XCTFail("key \(index) not acquired")
            }
            slots.append(slot)
        }
        XCTAssertEqual(table.acquire(table.fingerprint(address(99)), max: 1), .full)
        table.release(slot: slots[3])
        guard case .acquired(let reused) = table.acquire(table.fingerprint(address(99)), max: 1) else {
            return XCTFail("a released slot was not reused")
        }
        XCTAssertEqual(reused, slots[3])
    }

    /// Four threads charging the same few keys and adding new ones at once: no admitted request is lost (each key's
    /// `tat` is exactly one interval per admission) and connection counts return to zero.
    func testConcurrentRequestsKeepExactCounts() {
        let rate = LimitZoneTable(kind: .rate, bytes: 64 << 10)
        let connections = LimitZoneTable(kind: .connections, bytes: 64 << 10)
        // 1r/s with a burst no test reaches: every request is admitted and moves `tat` by exactly one second.
        let wide = LeakyBucket(rate: RequestRate(requests: 1, per: .second), burst: 1_000_000, delay: nil)
        let hot = (0..<4).map { rate.fingerprint(Self.address($0)) }
        let now = 5 * second
        let perThread = 20_000
        let second = self.second
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for step in 0..<perThread {
                _ = rate.decide(hot[step % 4], bucket: wide, now: now, commit: true)
                // New keys force insertions (and evictions) in the same sets as the hot ones.
                _ = rate.decide(rate.fingerprint(Self.address(1000 + thread * perThread + step)), bucket: wide,
                    now: now, commit: true)
                let key = connections.fingerprint(Self.address(step % 16))
                if case .acquired(let slot) = connections.acquire(key, max: 1_000) { connections.release(slot: slot) }
            }
        }
        // Hot keys are the most indebted of their sets, so they were never given up.
        for key in hot {
            XCTAssertEqual(rate.decide(key, bucket: wide, now: now, commit: false),
                .admit(tat: now + Int64(perThread + 1) * second, delay: 0))
        }
        XCTAssertEqual(connections.liveKeys(now: 0), 0)
    }
}
