/// A small set of server indexes (servers already tried for one request), without allocation up to 64 servers.
package struct ServerSet: Sendable, Equatable {
    private var low: UInt64 = 0
    private var rest: Set<Int> = []

    package static let empty = ServerSet()

    package func contains(_ index: Int) -> Bool {
        index < 64 ? low & (1 << UInt64(index)) != 0 : rest.contains(index)
    }

    package mutating func insert(_ index: Int) {
        if index < 64 { low |= 1 << UInt64(index) } else { rest.insert(index) }
    }

    package mutating func remove(_ index: Int) {
        if index < 64 { low &= ~(1 << UInt64(index)) } else { rest.remove(index) }
    }

    package var count: Int { low.nonzeroBitCount + rest.count }
}
