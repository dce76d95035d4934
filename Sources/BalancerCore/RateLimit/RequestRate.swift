/// A request rate as nginx writes it in `limit_req_zone … rate=`: a whole number of requests per second (`10r/s`)
/// or per minute (`600r/m`, `1r/m`).
package struct RequestRate: Sendable, Hashable, CustomStringConvertible {
    package enum Unit: String, Sendable, Hashable {
        case second = "s"
        case minute = "m"
    }

    package var requests: Int
    package var unit: Unit

    /// The most requests a rate may name per unit: one request a microsecond.
    package static let maxRequests = 1_000_000

    package init(requests: Int, per unit: Unit) {
        self.requests = requests
        self.unit = unit
    }

    /// Parses `10r/s` or `600r/m`; nil for anything else (fractions, zero, other units, spaces).
    package init?(parsing text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 4, utf8[utf8.count - 3] == UInt8(ascii: "r"), utf8[utf8.count - 2] == UInt8(ascii: "/"),
            let unit = Unit(rawValue: String(decoding: utf8.suffix(1), as: UTF8.self))
        else { return nil }
        let digits = utf8.dropLast(3)
        guard digits.count <= 7, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let requests = Int(String(decoding: digits, as: UTF8.self)), (1...Self.maxRequests).contains(requests)
        else { return nil }
        self.init(requests: requests, per: unit)
    }

    /// The time one request takes to leak out of a bucket: the emission interval, in nanoseconds.
    package var intervalNanoseconds: Int64 {
        (unit == .second ? 1_000_000_000 : 60_000_000_000) / Int64(requests)
    }

    package var description: String { "\(requests)r/\(unit.rawValue)" }
}
