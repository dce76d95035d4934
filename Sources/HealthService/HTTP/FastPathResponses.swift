import Hummingbird
import NIOCore
import Shared

/// The bytes of the fast path's answers, prepared once at start-up.
///
/// Built from the payload types, the JSON encoder and the header values Hummingbird's route and middleware use, in
/// the order Hummingbird writes them, so both paths answer alike byte for byte; only the clocks (`Date`, the
/// timestamp) are filled in per request.
struct FastPathResponses: Sendable {
    /// `{"environment":…,"timestamp":"`, everything of the health body before the timestamp.
    private let healthBodyPrefix: [UInt8]
    /// `"}`, everything after it.
    private let healthBodySuffix: [UInt8]
    private let instanceBody: [UInt8]
    /// The status line and the headers before the `Content-Length` value.
    private let headStart: [UInt8]
    /// From the end of the `Content-Length` value up to the `Date` value.
    private let headBeforeDate: [UInt8]

    /// A stand-in timestamp of the real one's shape, found again in the encoded body to split it.
    private static let timestampMarker = "0000-00-00T00:00:00.000Z"

    /// Nil when the instance id cannot be sent as a header value verbatim; Hummingbird then answers everything.
    init?(serviceName: String, environment: String, instanceID: String) {
        guard Self.isPlainHeaderValue(instanceID) else { return nil }
        let health = HealthPayload(
            service: serviceName,
            timestamp: Self.timestampMarker,
            environment: environment,
            instanceID: instanceID
        )
        guard let healthBody = try? Array(JSONResponse.encode(health)),
            let instanceBody = try? Array(JSONResponse.encode(InstancePayload(instanceID: instanceID)))
        else { return nil }
        // The key with its quotes can only appear unescaped where the encoder wrote the key itself.
        let needle = Array("\"timestamp\":\"\(Self.timestampMarker)\"".utf8)
        guard let start = Self.firstIndex(of: needle, in: healthBody) else { return nil }
        let markerStart = start + needle.count - 1 - Self.timestampMarker.utf8.count
        healthBodyPrefix = Array(healthBody[..<markerStart])
        healthBodySuffix = Array(healthBody[(markerStart + Self.timestampMarker.utf8.count)...])
        self.instanceBody = instanceBody
        headStart = Array("HTTP/1.1 200 OK\r\nContent-Type: \(JSONResponse.contentType)\r\nContent-Length: ".utf8)
        let instanceHeader = InstanceHeaderMiddleware<BasicRequestContext>.headerName.rawName
        headBeforeDate = Array("\r\n\(instanceHeader): \(instanceID)\r\nDate: ".utf8)
    }

    /// Appends the whole response to `request` to `buffer`.
    ///
    /// - Parameters:
    ///   - date: the `Date` header value.
    ///   - timestamp: the health body's timestamp; unused for other routes.
    func render(_ request: FastPathRequest, date: String, timestamp: String, into buffer: inout ByteBuffer) {
        let bodyLength =
            switch request.route {
            case .health: healthBodyPrefix.count + timestamp.utf8.count + healthBodySuffix.count
            case .instance: instanceBody.count
            }
        buffer.writeBytes(headStart)
        buffer.writeString(String(bodyLength))
        buffer.writeBytes(headBeforeDate)
        buffer.writeString(date)
        switch request.connectionHeader {
        case .none: buffer.writeStaticString("\r\n\r\n")
        case .close: buffer.writeStaticString("\r\nconnection: close\r\n\r\n")
        case .keepAlive: buffer.writeStaticString("\r\nconnection: keep-alive\r\n\r\n")
        }
        switch request.route {
        case .health:
            buffer.writeBytes(healthBodyPrefix)
            buffer.writeString(timestamp)
            buffer.writeBytes(healthBodySuffix)
        case .instance:
            buffer.writeBytes(instanceBody)
        }
    }

    /// Printable ASCII, inner spaces allowed: what any HTTP stack sends unchanged.
    private static func isPlainHeaderValue(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last, first != UInt8(ascii: " "), last != UInt8(ascii: " ")
        else { return false }
        return bytes.allSatisfy { (0x20...0x7E).contains($0) }
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { start in
            haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }
}
