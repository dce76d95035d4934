import BalancerCore
import Foundation

/// Who may use the admin listener: the `admin.allow` networks first, then `admin.basic_auth`. A pure decision on
/// the client address and `Authorization` header, so every branch is tested without a socket.
struct AdminAccess: Sendable {
    /// The outcome for one request.
    enum Decision: Equatable, Sendable {
        case allowed
        /// The client's address is outside `allow` (403).
        case forbidden
        /// Credentials missing or wrong (401 with a challenge).
        case unauthorized
    }

    let allow: [CIDRRange]
    let basicAuth: AdminBasicAuth?

    init(config: AdminConfig) {
        self.allow = config.allow
        self.basicAuth = config.basicAuth
    }

    func decide(clientIP: String?, authorization: String?) -> Decision {
        if !allow.isEmpty {
            guard let clientIP, allow.contains(where: { $0.contains(clientIP) }) else { return .forbidden }
        }
        guard let basicAuth else { return .allowed }
        guard let credentials = AdminAccess.credentials(authorization) else { return .unauthorized }
        // Compare digests, not passwords: equal length always, and the configured value is only a digest.
        let userMatches = credentials.user == basicAuth.user
        let digestMatches = AdminAccess.constantTimeEqual(PasswordDigest.sha256Hex(credentials.password), basicAuth.passwordSHA256)
        return userMatches && digestMatches ? .allowed : .unauthorized
    }

    /// `Basic base64(user:password)` split into its parts.
    static func credentials(_ header: String?) -> (user: String, password: String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        let encoded = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
