import NIOHTTP1

/// Reading and testing request methods without text. `HTTPMethod` is `RawRepresentable`, so `==` on it compares two
/// `rawValue` strings made for the comparison, and `init(rawValue:)` compares a `String` against some thirty names:
/// both ran on every request. Common methods are read from the request line's bytes and tested by their case.
extension HTTPMethod {
    /// The method the request line's first token spells, exactly as `HTTPMethod(rawValue:)` reads it; a `String` is
    /// made only for methods other than the seven common ones.
    package static func parse(_ token: UnsafeRawBufferPointer) -> HTTPMethod {
        switch token.count {
        case 3:
            if spells(token, "GET") { return .GET }
            if spells(token, "PUT") { return .PUT }
        case 4:
            if spells(token, "POST") { return .POST }
            if spells(token, "HEAD") { return .HEAD }
        case 5:
            if spells(token, "PATCH") { return .PATCH }
        case 6:
            if spells(token, "DELETE") { return .DELETE }
        case 7:
            if spells(token, "OPTIONS") { return .OPTIONS }
        default:
            break
        }
        return HTTPMethod(rawValue: String(decoding: token, as: UTF8.self))
    }

    @inline(__always)
    private static func spells(_ token: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        let expected = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        return token.elementsEqual(expected)
    }

    @inlinable package var isGET: Bool {
        if case .GET = self { return true }
        return false
    }

    @inlinable package var isHEAD: Bool {
        if case .HEAD = self { return true }
        return false
    }

    /// GET or HEAD: the methods that only read (what static routes answer, what a 301 redirect keeps).
    @inlinable package var isGETOrHEAD: Bool {
        switch self {
        case .GET, .HEAD: return true
        default: return false
        }
    }

    /// POST, PUT and PATCH: methods that usually carry a body, so a body-less one says `Content-Length: 0`.
    @inlinable package var usuallyHasBody: Bool {
        switch self {
        case .POST, .PUT, .PATCH: return true
        default: return false
        }
    }
}
