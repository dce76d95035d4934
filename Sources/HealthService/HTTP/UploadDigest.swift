import Crypto
import Hummingbird

/// Streams an upload through SHA-256, counting bytes, without ever holding the body in memory.
struct UploadDigest: Sendable {
    /// Uploads above this are refused with 413; the replica only needs to prove that big bodies pass the balancer.
    static let maximumBytes = 1 << 30

    /// The most bytes this upload may have.
    let limit: Int
    private(set) var byteCount = 0
    private var hasher = SHA256()

    init(limit: Int = UploadDigest.maximumBytes) {
        self.limit = limit
    }

    /// Thrown when the body grows past `limit`.
    struct TooLarge: Error {}

    mutating func add(_ chunk: ByteBuffer) throws(TooLarge) {
        byteCount += chunk.readableBytes
        guard byteCount <= limit else { throw TooLarge() }
        chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
    }

    /// The lower-case hex digest of everything added.
    func hexDigest() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in hasher.finalize() {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

/// The body of `/api/upload`.
struct UploadPayload: Codable, Sendable, Hashable {
    var bytes: Int
    var sha256: String
    var instanceID: String

    /// Wire names: snake_case, as the Python services of the stack write them.
    enum CodingKeys: String, CodingKey {
        case bytes, sha256
        case instanceID = "instance_id"
    }
}
