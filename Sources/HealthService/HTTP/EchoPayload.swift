/// The body of `/api/echo`: the request as the replica saw it, for checking what a proxy forwarded.
///
/// Header names are lower-cased (HTTP names are case-insensitive and proxies rewrite case); a header sent once maps
/// to its value, a repeated header to the list of its values in arrival order. `Host` appears as `host`.
struct EchoPayload: Encodable, Sendable, Hashable {
    var method: String
    var path: String
    /// The raw query string without `?`; empty when there is none.
    var query: String
    var headers: [String: HeaderValue]
    /// Bytes of request body received (and discarded).
    var bodyBytes: Int
    var instanceID: String

    /// One header's value, or its values when it was repeated.
    enum HeaderValue: Encodable, Sendable, Hashable {
        case single(String)
        case multiple([String])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .single(let value): try container.encode(value)
            case .multiple(let values): try container.encode(values)
            }
        }
    }

    /// Wire names: snake_case, as the Python services of the stack write them.
    enum CodingKeys: String, CodingKey {
        case method, path, query, headers
        case bodyBytes = "body_bytes"
        case instanceID = "instance_id"
    }

    /// Groups `fields` (name, value) by lower-cased name, keeping arrival order within a name.
    static func group(_ fields: [(name: String, value: String)]) -> [String: HeaderValue] {
        var grouped: [String: [String]] = [:]
        for field in fields { grouped[field.name.lowercased(), default: []].append(field.value) }
        return grouped.mapValues { $0.count == 1 ? .single($0[0]) : .multiple($0) }
    }
}
