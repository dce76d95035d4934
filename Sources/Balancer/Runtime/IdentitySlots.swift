/// Objects by identity, each with a slot number: the index of whatever a caller keeps for it in arrays of its own.
///
/// A short array searched from the end rather than a dictionary: the objects are a loop's upstream servers (a
/// handful), found on every request, and a dictionary of objects hashed the identifier and retained and released
/// what it found each time. Objects a reload or a DNS change made are appended, so the current ones come first.
/// An identifier is only unique while its object lives: a caller keeps the objects alive, or lets a new object
/// inherit a slot whose entries are harmless to it.
struct IdentitySlots {
    private var identifiers: [ObjectIdentifier] = []

    /// The slot of `object`, or nil when it has none.
    func slot(of object: AnyObject) -> Int? {
        identifiers.lastIndex(of: ObjectIdentifier(object))
    }

    /// The slot of `object`, made (the next number) when it had none: `added` says so, for the caller to append
    /// its entries at that index.
    mutating func slot(makingFor object: AnyObject) -> (slot: Int, added: Bool) {
        if let found = slot(of: object) { return (found, false) }
        identifiers.append(ObjectIdentifier(object))
        return (identifiers.count - 1, true)
    }

    /// Every slot, newest first (so removing one as they go leaves the ones still to come in place).
    func slotsNewestFirst() -> ReversedCollection<Range<Int>> { identifiers.indices.reversed() }

    /// The identifier of the object in `slot`.
    subscript(slot: Int) -> ObjectIdentifier { identifiers[slot] }

    /// Drops `slot`; the slots after it move down by one, as the caller's arrays do with `remove(at:)`.
    mutating func remove(at slot: Int) { identifiers.remove(at: slot) }
}
