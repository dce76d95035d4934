/// Lists of header lines kept for reuse by the heads of one event loop, so that reading a head does not allocate
/// its list (two allocations per proxied request: the request's and the response's).
///
/// A head's list goes back here once its request or response is done with it (`recycle`); the next head read takes
/// one (`take`). A list still shared with a head that lives on is not reused in place: emptying it then makes a new
/// one, as an empty array would, so a recycled list can never change a head in use. The pool is a value kept by its
/// event loop and touched only there; it keeps few lists and none of unusual size, so what it holds stays small.
package struct HTTP1FieldListPool {
    /// The lists kept, at most `maxKept`.
    private var lists: [[HTTP1HeaderField]] = []

    /// How many lists are kept: more than the heads one turn of the event loop reads and finishes.
    package static let maxKept = 32
    /// Lists with room for more lines than this (a head with many lines) are let go, not kept.
    package static let maxKeptCapacity = 64
    /// Room a new list starts with: the lines of a typical head.
    static let initialCapacity = 12

    package init() {}

    /// Lists kept now (tests).
    package var count: Int { lists.count }

    /// An empty list to read a head's lines into: a kept one when there is, else a new one with room for a typical
    /// head.
    package mutating func take() -> [HTTP1HeaderField] {
        guard var list = lists.popLast() else {
            var list: [HTTP1HeaderField] = []
            list.reserveCapacity(Self.initialCapacity)
            return list
        }
        list.removeAll(keepingCapacity: true)
        return list
    }

    /// Keeps `list` for a later head, unless enough are kept or it grew unusually large.
    package mutating func recycle(_ list: consuming [HTTP1HeaderField]) {
        guard lists.count < Self.maxKept, list.capacity >= Self.initialCapacity,
            list.capacity <= Self.maxKeptCapacity
        else { return }
        lists.append(list)
    }
}
