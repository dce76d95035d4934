/// A small set of server indexes (servers already tried for one request), without allocation up to 64 servers.
package struct ServerSet: Sendable, Equatable {
    private var low: UInt64 = 0
    /// Indexes from 64 up; nil (no storage, nothing to retain when a request's state is copied) until one is added.
    private var rest: Set<Int>? = nil

    package static let empty = ServerSet()

    package func contains(_ index: Int) -> Bool {
        index < 64 ? low & (1 << UInt64(index)) != 0 : rest?.contains(index) == true
    }

    package mutating func insert(_ index: Int) {
        if index < 64 {
            low |= 1 << UInt64(index)
        } else {
            if rest == nil { rest = [] }
            rest!.insert(index)
        }
    }

    package mutating func remove(_ index: Int) {
        if index < 64 {
            low &= ~(1 << UInt64(index))
        } else {
            rest?.remove(index)
            if rest?.isEmpty == true { rest = nil }  // so equal sets compare equal
        }
    }

    package var count: Int { low.nonzeroBitCount + (rest?.count ?? 0) }
}
