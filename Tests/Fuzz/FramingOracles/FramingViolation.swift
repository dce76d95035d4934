/// A framing disagreement an oracle found: the balancer forwarded bytes that an independent HTTP/1 parser reads
/// as different messages than the balancer itself read. On a proxy, that disagreement is request (or response)
/// smuggling, so every violation is a finding, never noise.
package struct FramingViolation: Error, CustomStringConvertible {
    package let description: String

    init(_ description: String) {
        self.description = description
    }
}
