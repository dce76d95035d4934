import NIOCore

/// How an oracle reads one fuzz input: a flags byte, a split byte, then the bytes a peer sends.
///
/// The payload arrives in two reads, cut where the split byte says (proportionally, so every input length can be
/// cut anywhere), because a decoder that is right on whole messages can still be wrong on a message that stops in
/// the middle of a chunk size or a header line.
struct FuzzInput {
    /// Bits the oracle gives its own meaning (request method, client version, limits…).
    let flags: UInt8
    /// The payload as it arrives, in order; one or two non-empty reads.
    let reads: [ByteBuffer]

    init(_ bytes: [UInt8]) {
        flags = bytes.first ?? 0
        let split = bytes.count > 1 ? Int(bytes[1]) : 0
        let payload = bytes.dropFirst(2)
        let cut = payload.startIndex + payload.count * split / 256
        reads = [payload[..<cut], payload[cut...]].filter { !$0.isEmpty }.map { ByteBuffer(bytes: $0) }
    }

    func flag(_ bit: Int) -> Bool {
        flags & (1 << bit) != 0
    }
}
