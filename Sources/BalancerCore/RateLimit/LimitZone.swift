import Atomics
import Shared

/// One configured zone at run time: its shared table, how it keys requests, how it answers a refusal, and its
/// counters for `/metrics` and `/status.json`. A class: a request holds one reference to it, never a copy.
package final class LimitZone: Sendable {
    package let name: String
    package let key: LimitKey
    /// The answer to a refused request (`status:`).
    package let status: Int
    /// The zone's rate; nil for a connection zone.
    package let rate: RequestRate?
    package let table: LimitZoneTable
    package let counters: LimitZoneCounters
    /// The lower-cased name of a `header:NAME` key, compared with each request's header names; empty otherwise.
    package let headerName: [UInt8]

    /// A zone named `name` over `table`; `rate` nil makes it a connection zone.
    init(_ name: String, key: LimitKey, status: Int, rate: RequestRate?, table: LimitZoneTable,
        counters: LimitZoneCounters)
    {
        (self.name, self.key, self.status, self.rate) = (name, key, status, rate)
        (self.table, self.counters) = (table, counters)
        if case .header(let header) = key {
            headerName = Array(header.lowercased().utf8)
        } else {
            headerName = []
        }
    }

    /// The fingerprint of a request's key in this zone: its `client` (after `real_ip`), its `route` (the route's
    /// index, -1 for none) or a header of its `head`. Nil when the request has no such key (a header it did not
    /// send, or sent empty), which nginx does not count either. The request's parts are passed one by one, so
    /// nothing of the head is copied.
    package func fingerprint(client: IPAddress, route: Int, head: HTTP1RequestHead) -> UInt64? {
        switch key {
        case .clientAddress:
            return table.fingerprint(client)
        case .route:
            return table.fingerprint(route: route)
        case .header:
            return head.bytes.withUnsafeReadableBytes { bytes -> UInt64? in
                for field in head.fields
                where HTTPBytes.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: bytes[field.name]), headerName) {
                    guard !field.value.isEmpty else { return nil }
                    return table.fingerprint(bytes: UnsafeRawBufferPointer(rebasing: bytes[field.value]))
                }
                return nil
            }
        }
    }
}

/// A zone's counts since start; kept across reloads for a zone of the same name, even when its table is rebuilt.
package final class LimitZoneCounters: Sendable {
    /// Requests refused by this zone.
    package let limited = ManagedAtomic<Int>(0)
    /// Requests this zone held back before passing them.
    package let delayed = ManagedAtomic<Int>(0)

    package init() {}
}
