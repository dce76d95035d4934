import Shared

/// Who the client is when the balancer sits behind other proxies: nginx's `set_real_ip_from`, `real_ip_header` and
/// `real_ip_recursive` (`real_ip:` in the config), decided without sockets.
///
/// Only a peer inside `from` is believed; an untrusted peer's `X-Forwarded-For` or PROXY header changes nothing, so
/// a client cannot choose the address its limits, log line and `X-Real-IP` carry. Built once per configuration; a
/// class, so a request reaches it through the snapshot with one reference, not a copy of its lists.
package final class RealIPResolver: Sendable {
    package let trusted: [CIDRRange]
    package let source: RealIPSource
    package let recursive: Bool
    /// The header's name in lower case, and its kind when `HeaderName` knows it (the usual `X-Forwarded-For` and
    /// `X-Real-IP` are then found without comparing names).
    private let headerName: [UInt8]
    private let headerKind: HeaderName

    package init(_ config: RealIPConfig) {
        trusted = config.from
        source = config.source
        recursive = config.recursive
        if case .header(let name) = config.source {
            headerName = Array(name.lowercased().utf8)
            headerKind = HeaderName.classify(name)
        } else {
            headerName = []
            headerKind = .other
        }
    }

    package func isTrusted(_ address: IPAddress) -> Bool {
        trusted.contains { $0.contains(address) }
    }

    /// The address a connection is known by, once per connection: its peer, or the source a PROXY protocol header
    /// gave when `real_ip` takes the address from there and the peer is trusted. This is the address the
    /// balancer appends to `X-Forwarded-For` (the hop that reached it) and where a header's chain is walked from.
    package func connectionAddress(peer: IPAddress, proxyProtocolSource: IPAddress?) -> IPAddress {
        guard source == .proxyProtocol, let proxyProtocolSource, isTrusted(peer) else { return peer }
        return proxyProtocolSource
    }

    /// The client of one request on a connection known as `connection`: with `header:` set and the connection
    /// trusted, the address that header names (nginx's algorithm, `forwardedAddress`); otherwise `connection`.
    /// Header lines are read only for a trusted peer.
    package func clientAddress(connection: IPAddress, request: some HTTP1ReceivedHead) -> IPAddress {
        guard case .header = source, isTrusted(connection) else { return connection }
        var values: [Substring] = []
        request.bytes.withUnsafeReadableBytes { bytes in
            for field in request.fields where matches(field, in: bytes) {
                values.append(Substring(decoding: UnsafeRawBufferPointer(rebasing: bytes[field.value]), as: UTF8.self))
                // nginx reads every `X-Forwarded-For` line as one list, and only the first line of other headers.
                if headerKind != .xForwardedFor { break }
            }
        }
        guard !values.isEmpty else { return connection }
        return forwardedAddress(from: connection, list: values)
    }

    private func matches(_ field: HTTP1HeaderField, in bytes: UnsafeRawBufferPointer) -> Bool {
        if headerKind != .other { return field.kind == headerKind }
        return field.kind == .other
            && HTTPBytes.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: bytes[field.name]), headerName)
    }

    /// nginx's `ngx_http_get_forwarded_addr`: starting from `start`, while the address in hand is trusted, take the
    /// next address from the right of the comma-separated `list` (header lines in order); without `recursive` only
    /// one step is taken. Stops at an element that is not an address, keeping the last good one. So with
    /// `recursive` the result is the rightmost untrusted address (or the leftmost when every one is trusted),
    /// which no client can forge: everything right of it was appended by proxies the operator trusts.
    package func forwardedAddress(from start: IPAddress, list: [Substring]) -> IPAddress {
        var address = start
        // Commas and spaces both separate elements and empty ones are skipped, as in nginx.
        var elements = list.flatMap { $0.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) }
        while isTrusted(address), let element = elements.popLast() {
            guard let next = IPAddress(parsing: element) else { return address }
            address = next
            if !recursive { return address }
        }
        return address
    }
}
