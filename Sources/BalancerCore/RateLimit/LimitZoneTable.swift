import Atomics
import NIOConcurrencyHelpers

/// The memory of one limit zone, shared by every event loop: a fixed number of 16-byte slots allocated once
/// (`size` bytes, as nginx sizes zones), each holding a key's fingerprint and one number — a rate zone's `tat`
/// (`LeakyBucket`), a connection zone's count of requests in progress. However many distinct keys arrive, the zone
/// never takes more memory: a new key replaces an old one.
///
/// Slots are grouped in sets of 8 and a key lives in the set its fingerprint picks, so finding it reads at most 8
/// neighbouring fingerprints. Requests of a known key take no lock: they read its slot and update its number with
/// one compare-and-swap. Only adding a key takes a lock (one of 64, by set), which also makes the choice of the
/// slot to reuse race-free: a slot being reused is first marked `dead` with a compare-and-swap, so an update of the
/// key that had it fails and looks again. Which slot gives way is `LimitZoneVictim`'s decision.
///
/// Keys are 64-bit fingerprints made with Swift's `Hasher` (SipHash, seeded at random per process) and a seed per
/// zone: two keys share a slot only by a collision no client can aim for (about one pair among 10^6 keys has a
/// chance of 3·10^-8 of colliding).
package final class LimitZoneTable: @unchecked Sendable {
    // @unchecked: every word of `words` is only accessed atomically; `seed`, `capacity` and `sets` never change.

    package enum Kind: Sendable, Equatable {
        case rate
        case connections
    }

    /// One slot: fingerprint and value, two 64-bit words.
    package static let slotBytes = 16
    /// Slots per set.
    package static let ways = 8
    /// The value of a slot being handed to a new key.
    package static let dead = UInt64.max

    package let kind: Kind
    /// Slots in the zone: `size` / 16, a multiple of 8.
    package let capacity: Int
    private let sets: UInt64
    private let words: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>
    private let locks: [NIOLock]
    private let seed: UInt64

    /// How many slots `bytes` of zone memory hold.
    package static func capacity(forBytes bytes: Int64) -> Int {
        Int(bytes / Int64(slotBytes)) / ways * ways
    }

    package init(kind: Kind, bytes: Int64) {
        self.kind = kind
        capacity = max(Self.ways, Self.capacity(forBytes: bytes))
        sets = UInt64(capacity / Self.ways)
        words = UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>.allocate(capacity: 2 * capacity)
        for index in 0..<2 * capacity { (words + index).initialize(to: UnsafeAtomic<UInt64>.Storage(0)) }
        locks = (0..<64).map { _ in NIOLock() }
        seed = UInt64.random(in: 0...UInt64.max)
    }

    deinit {
        words.deinitialize(count: 2 * capacity)
        words.deallocate()
    }

    /// The memory the slots take: what `/status.json` reports, never more than the configured size.
    package var memoryBytes: Int { capacity * Self.slotBytes }

    // MARK: - Fingerprints

    /// The fingerprint of a client address in this zone.
    package func fingerprint(_ address: IPAddress) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(seed)
        hasher.combine(address.high)
        hasher.combine(address.low)
        return Self.usable(hasher.finalize())
    }

    /// The fingerprint of a key given as bytes (a header value) or a number (a route).
    package func fingerprint(bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(seed)
        hasher.combine(bytes: bytes)
        return Self.usable(hasher.finalize())
    }

    package func fingerprint(route: Int) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(seed)
        hasher.combine(route)
        return Self.usable(hasher.finalize())
    }

    /// 0 marks an empty slot, so no fingerprint is 0 (or 1, kept for symmetry with `dead`).
    private static func usable(_ hash: Int) -> UInt64 {
        let value = UInt64(bitPattern: Int64(hash))
        return value < 2 ? value + 2 : value
    }

    // MARK: - Slots

    @inline(__always)
    private func fingerprintWord(_ slot: Int) -> UnsafeAtomic<UInt64> { UnsafeAtomic(at: words + 2 * slot) }

    @inline(__always)
    private func valueWord(_ slot: Int) -> UnsafeAtomic<UInt64> { UnsafeAtomic(at: words + 2 * slot + 1) }

    /// The first slot of the set `fingerprint` belongs to (Lemire's multiply-shift in place of a division).
    @inline(__always)
    package func setStart(_ fingerprint: UInt64) -> Int {
        Int(((fingerprint >> 32) &* sets) >> 32) * Self.ways
    }

    @inline(__always)
    private func find(_ fingerprint: UInt64, from start: Int) -> Int? {
        for slot in start..<start + Self.ways where fingerprintWord(slot).load(ordering: .acquiring) == fingerprint {
            return slot
        }
        return nil
    }

    /// The value of `fingerprint`'s slot, read so that it belongs to that key: nil when the key is absent or its
    /// slot is being reused.
    @inline(__always)
    private func read(_ fingerprint: UInt64, at slot: Int) -> UInt64? {
        let value = valueWord(slot).load(ordering: .acquiring)
        guard value != Self.dead, fingerprintWord(slot).load(ordering: .acquiring) == fingerprint else { return nil }
        return value
    }

    /// Runs `update` on the value of `fingerprint`'s slot until a compare-and-swap stores what it returns: the
    /// lock-free path of every request of a known key. `update` returns no `store` to store nothing. Nil when the
    /// key is not in the zone (or its slot kept changing hands).
    @inline(__always)
    private func updateExisting<Result>(
        _ fingerprint: UInt64,
        start: Int,
        _ update: (UInt64) -> (store: UInt64?, result: Result)
    ) -> (result: Result, slot: Int)? {
        for _ in 0..<8 {
            guard let slot = find(fingerprint, from: start) else { return nil }
            guard let value = read(fingerprint, at: slot) else { continue }
            let (store, result) = update(value)
            guard let store else { return (result, slot) }
            if valueWord(slot).compareExchange(expected: value, desired: store, ordering: .acquiringAndReleasing)
                .exchanged
            {
                return (result, slot)
            }
        }
        return nil
    }

    /// Under the set's lock: runs `update` on the key's slot as `updateExisting` does, or, when the key is absent,
    /// gives it a slot with `initial` as its value and returns `added`. Nil when no slot of the set may be given
    /// up (a connection zone whose every slot counts requests in progress).
    private func withKeyLocked<Result>(
        _ fingerprint: UInt64,
        start: Int,
        initial: UInt64,
        added: Result,
        _ update: (UInt64) -> (store: UInt64?, result: Result)
    ) -> (result: Result, slot: Int)? {
        locks[(start / Self.ways) % locks.count].withLock {
            for _ in 0..<64 {
                if let slot = find(fingerprint, from: start) {
                    // Nothing reuses a slot of this set while the lock is held, so the value is the key's.
                    let value = valueWord(slot).load(ordering: .acquiring)
                    let (store, result) = update(value)
                    guard let store else { return (result, slot) }
                    if valueWord(slot).compareExchange(
                        expected: value, desired: store, ordering: .acquiringAndReleasing
                    ).exchanged {
                        return (result, slot)
                    }
                    continue
                }
                let candidates = (start..<start + Self.ways).map { slot in
                    LimitZoneVictim.Slot(
                        fingerprint: fingerprintWord(slot).load(ordering: .acquiring),
                        value: valueWord(slot).load(ordering: .acquiring))
                }
                guard let index = LimitZoneVictim.choose(candidates, kind: kind) else { return nil }
                if claim(start + index, from: candidates[index], for: fingerprint, initial: initial) {
                    return (added, start + index)
                }
            }
            return nil
        }
    }

    /// Hands `slot` to `fingerprint` with `initial` as its value, provided it still holds what the victim choice
    /// saw. A slot in use is first marked `dead` by compare-and-swap, so an update racing for its old key fails.
    private func claim(_ slot: Int, from seen: LimitZoneVictim.Slot, for fingerprint: UInt64, initial: UInt64) -> Bool {
        if seen.fingerprint != 0 {
            guard valueWord(slot).compareExchange(
                expected: seen.value, desired: Self.dead, ordering: .acquiringAndReleasing
            ).exchanged else { return false }
            fingerprintWord(slot).store(fingerprint, ordering: .releasing)
            valueWord(slot).store(initial, ordering: .releasing)
        } else {
            // Empty: nobody reads it until its fingerprint appears, after its value.
            valueWord(slot).store(initial, ordering: .releasing)
            fingerprintWord(slot).store(fingerprint, ordering: .releasing)
        }
        return true
    }

    // MARK: - Rate zones

    /// `bucket`'s decision for a request of `fingerprint` at `now`, stored when it admits and `commit` is set. A
    /// key not yet in the zone is new (empty bucket); with `commit` it is added.
    package func decide(_ fingerprint: UInt64, bucket: LeakyBucket, now: Int64, commit: Bool)
        -> LeakyBucket.Decision
    {
        let start = setStart(fingerprint)
        // A local function, not a closure value: passed on without a context allocated per request.
        func update(_ value: UInt64) -> (store: UInt64?, result: LeakyBucket.Decision) {
            let decision = bucket.decide(tat: Int64(bitPattern: value), now: now)
            guard commit, case .admit(let tat, _) = decision else { return (nil, decision) }
            return (UInt64(bitPattern: tat), decision)
        }
        if let existing = updateExisting(fingerprint, start: start, update) { return existing.result }
        // A new key: its bucket starts empty, and this request is in it.
        let fresh = bucket.decide(tat: 0, now: now)
        guard commit, case .admit(let tat, _) = fresh else { return fresh }
        let stored = withKeyLocked(
            fingerprint, start: start, initial: UInt64(bitPattern: tat), added: fresh, update)
        return stored?.result ?? fresh
    }

    // MARK: - Connection zones

    package enum Acquisition: Sendable, Equatable {
        /// Counted in `slot`; `release(slot:)` when the request ends.
        case acquired(slot: Int)
        /// The key already has `max` requests in progress.
        case atLimit
        /// Every slot of the key's set counts requests in progress: nginx's "zone is full" (refused as well).
        case full
    }

    /// Counts one more request in progress for `fingerprint` unless it already has `max`.
    package func acquire(_ fingerprint: UInt64, max: Int) -> Acquisition {
        let start = setStart(fingerprint)
        let limit = UInt64(max)
        func update(_ value: UInt64) -> (store: UInt64?, result: Bool) {
            value >= limit ? (nil, false) : (value + 1, true)
        }
        let outcome = updateExisting(fingerprint, start: start, update)
            ?? withKeyLocked(fingerprint, start: start, initial: 1, added: true, update)
        guard let outcome else { return .full }
        return outcome.result ? .acquired(slot: outcome.slot) : .atLimit
    }

    /// The request counted in `slot` ended. A slot counting requests is never reused, so it still is the key's.
    package func release(slot: Int) {
        valueWord(slot).wrappingDecrement(ordering: .releasing)
    }

    // MARK: - Status

    /// Keys whose state still matters at `now`: a bucket not yet drained, or requests in progress. Reads every
    /// slot (a few milliseconds for a 10m zone): for the status page, never on a request.
    package func liveKeys(now: Int64) -> Int {
        var count = 0
        for slot in 0..<capacity where fingerprintWord(slot).load(ordering: .relaxed) != 0 {
            let value = valueWord(slot).load(ordering: .relaxed)
            guard value != Self.dead else { continue }
            switch kind {
            case .rate: if Int64(bitPattern: value) > now { count += 1 }
            case .connections: if value > 0 { count += 1 }
            }
        }
        return count
    }

    /// Slots holding a key at all, drained or not.
    package func storedKeys() -> Int {
        (0..<capacity).reduce(0) { $0 + (fingerprintWord($1).load(ordering: .relaxed) != 0 ? 1 : 0) }
    }
}
