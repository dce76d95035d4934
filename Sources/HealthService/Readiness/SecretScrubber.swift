/// Removes secrets from text that is about to leave the process (error messages in `/health/ready`, log lines).
///
/// libpq and hiredis do not echo passwords today, but their messages may quote connection parameters, and the
/// readiness endpoint is reachable by anyone who can reach the replica: every reason passes through here.
struct SecretScrubber: Sendable, Hashable {
    /// The secrets, longest first so a secret containing another is replaced whole.
    private let secrets: [String]

    init(secrets: [String?]) {
        var all: Set<String> = []
        for case let secret? in secrets where secret.utf8.count >= 1 {
            all.insert(secret)
            all.insert(Self.percentEncoded(secret))
        }
        self.secrets = all.sorted { $0.utf8.count > $1.utf8.count }
    }

    /// `text` with every secret replaced by `***`.
    func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets {
            result = result.replacing(secret, with: "***")
        }
        return result
    }

    /// A secret as it may appear inside a URL.
    private static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            let isUnreserved =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if isUnreserved {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }
}

extension CheckOutcome {
    /// Builds a failure from a client library's message: first line only, whitespace collapsed, secrets removed,
    /// at most 200 characters — short enough for a status page, long enough to act on.
    static func failure(_ message: String, scrubber: SecretScrubber) -> CheckOutcome {
        let firstLine = message.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
        let words = firstLine.split(whereSeparator: { $0 == " " || $0 == "\t" })
        var reason = scrubber.scrub(words.joined(separator: " "))
        if reason.isEmpty { reason = "unknown error" }
        if reason.count > 200 { reason = String(reason.prefix(197)) + "..." }
        return .failed(reason)
    }
}
