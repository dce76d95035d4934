import Atomics
import Shared

/// One configured zone at run time: its shared table, how it keys requests, how it answers a refusal, and its
/// counters for `/metrics` and `/status.json`. A value: the table and counters inside are shared objects.
package struct LimitZone: Sendable {
    package let name: String
    package let key: LimitKey
    /// The answer to a refused request (`status:`).
    package let status: Int
    /// The zone's rate; nil for a connection zone.
    package let rate: RequestRate?
    package let table: LimitZoneTable
    package let counters: LimitZoneCounters

    /// The fingerprint of `subject`'s key in this zone; nil when the request has no such key (a header it did not
    /// send, or sent empty), which nginx does not count either.
    package func fingerprint(of subject: LimitSubject) -> UInt64? {
        switch key {
        case .clientAddress:
            return table.fingerprint(subject.client)
        case .route:
            return table.fingerprint(route: subject.route)
        case .header(let name):
            guard let head = subject.head else { return nil }
            let lower = Array(name.lowercased().utf8)
            return head.bytes.withUnsafeReadableBytes { bytes -> UInt64? in
                for field in head.fields
                where HTTPBytes.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: bytes[field.name]), lower) {
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

/// What a request is keyed by: its client (after `real_ip`), its route and its head.
package struct LimitSubject {
    package var client: IPAddress
    /// The route's index in the config, or -1 for a request no route takes.
    package var route: Int
    package var head: HTTP1RequestHead?

    package init(client: IPAddress, route: Int, head: HTTP1RequestHead?) {
        self.client = client
        self.route = route
        self.head = head
    }
}
