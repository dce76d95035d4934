import Shared

/// The HTTP rules a configured response header must follow before it may be sent to clients.
extension HeaderField {
    /// Whether `name` is an HTTP token (RFC 9110 `tchar`s, at least one), as the parsers require of names.
    package static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(HTTPBytes.isToken)
    }

    /// Whether `value` can be sent as is: a CR or LF would end the header early and let the rest
    /// be read as headers of its own (response splitting); other control characters are refused too.
    package static func isValidValue(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }
    }
}
