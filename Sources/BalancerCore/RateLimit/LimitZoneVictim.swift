/// Which slot of a full set gives way to a new key: the zone's eviction rule, decided from the set's eight slots
/// as they were read, so it is tested without threads.
package enum LimitZoneVictim {
    /// One slot as read: fingerprint (0 = empty) and value.
    package struct Slot: Sendable, Equatable {
        package var fingerprint: UInt64
        package var value: UInt64
    }

    /// The index in `slots` of the slot for a new key, or nil when none may be given up.
    ///
    /// An empty slot first. In a rate zone, then the key whose bucket empties first (lowest `tat`): a drained
    /// bucket is the same as a new one, so reusing it loses nothing; among buckets still draining, the one closest
    /// to empty loses least — and for keys seen once each, it is the least recently used one. A client far over its
    /// rate has the latest `tat` of its set and is the last to be forgotten, so flooding the zone with new keys
    /// does not reset it. In a connection zone, any slot counting no request; one that counts requests in progress
    /// is never reused (its count would be lost and its releases land on another key).
    package static func choose(_ slots: [Slot], kind: LimitZoneTable.Kind) -> Int? {
        if let empty = slots.firstIndex(where: { $0.fingerprint == 0 }) { return empty }
        switch kind {
        case .rate:
            var best: Int?
            for (index, slot) in slots.enumerated() where slot.value != LimitZoneTable.dead {
                if let current = best, Int64(bitPattern: slots[current].value) <= Int64(bitPattern: slot.value) {
                    continue
                }
                best = index
            }
            return best
        case .connections:
            return slots.firstIndex { $0.value == 0 }
        }
    }
}
