/// The HTTP rules a configured response header must follow before it may be sent to clients.
extension HeaderField {
    /// RFC 9110 `tchar`s besides letters and digits.
    private static let tokenSymbols: Set<Character> = [
        "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~",
    ]

    /// Whether `name` is an HTTP token (letters, digits and ``tokenSymbols``, at least one character).
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || tokenSymbols.contains($0)) }
    }

    /// Whether `value` can be sent as is: a CR or LF would end the header early and let the rest
    /// be read as headers of its own (response splitting); other control characters are refused too.
    static func isValidValue(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }
    }
}
