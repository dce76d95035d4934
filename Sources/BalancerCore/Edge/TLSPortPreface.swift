/// What the first bytes of a connection to a TLS listener are: a TLS handshake, or a plain HTTP request sent to the
/// HTTPS port by mistake (`http://host:443/`), which gets nginx's readable 400 instead of a failed handshake and a
/// silent close.
///
/// Pure: it is handed every byte received so far and answers at the first byte for TLS, and once a method and its
/// space have arrived for HTTP; `PlainHTTPOnTLSPortHandler` only buffers and acts on the answer.
package enum TLSPortPreface: Equatable, Sendable {
    /// A TLS record of type handshake (0x16), the only way a client opens TLS: the handshake layer takes over.
    case tls
    /// A request line's method and the space after it (`GET `): plain HTTP on the wrong port.
    case plainHTTP(method: String)
    /// Nothing yet, or only method characters so far.
    case needMore
    /// Neither: left to the handshake layer, which refuses it with an alert. (nginx answers such bytes 400 as a
    /// malformed plain request; nothing that speaks HTTP sends them, so a plain answer would help no one.)
    case other

    /// TLS's `ContentType.handshake` (RFC 8446 §5.1), the first byte of every ClientHello.
    package static let handshakeRecord: UInt8 = 0x16
    /// Longer than any registered method (`UPDATEREDIRECTREF`, 17): past it, the bytes are not a request line.
    package static let maxMethodLength = 20

    /// Classifies the bytes received so far on a TLS listener's connection (after any PROXY protocol header).
    package static func classify(_ bytes: UnsafeRawBufferPointer) -> TLSPortPreface {
        guard let first = bytes.first else { return .needMore }
        if first == handshakeRecord { return .tls }
        // A method starts with a letter (`HTTP1HeadParser` takes upper-case letters, `-` and `_`, as nginx does).
        guard isUpperCaseLetter(first) else { return .other }
        for index in 1..<min(bytes.count, maxMethodLength + 1) {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") {
                let method = UnsafeRawBufferPointer(rebasing: bytes[..<index])
                return .plainHTTP(method: String(decoding: method, as: UTF8.self))
            }
            guard isUpperCaseLetter(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") else {
                return .other
            }
        }
        return bytes.count > maxMethodLength ? .other : .needMore
    }

    /// nginx's answer (`The plain HTTP request was sent to HTTPS port`), as plain text that also says what to do.
    package static let plainHTTPAnswer = LocalAnswer(
        status: 400,
        body: "The plain HTTP request was sent to HTTPS port: use https:// for this address.\n",
        contentType: ReturnConfig.defaultContentType)

    package static func classify(_ bytes: [UInt8]) -> TLSPortPreface {
        bytes.withUnsafeBytes { classify($0) }
    }

    private static func isUpperCaseLetter(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
    }
}
