import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds JSON responses; every endpoint of the replica answers JSON, errors included.
enum JSONResponse {
    static let contentType = "application/json; charset=utf-8"

    /// `value` encoded as the body of a response with `status`.
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encode(value)
        return Response(
            status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The body bytes for `value`; the fast path encodes with this too, so both paths answer the same JSON.
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        // Sorted keys keep answers stable for people and diffs; unescaped slashes keep paths readable.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

/// The body of every error answer: `{"error": "...", "path": "..."}` plus details where they help.
struct ErrorPayload: Codable, Sendable, Hashable {
    var error: String
    var path: String
}

/// The body of a refused `/api/slow` or `/api/upload`: what was wrong and what to send instead.
struct BadRequestPayload: Codable, Sendable, Hashable {
    var error: String
    var got: String?
}
